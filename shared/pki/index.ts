// shared/pki: certificates and keys, pure (node:crypto only; no AWS SDK, sockets or files).
export { createSoftwareSigner } from './software-signer.ts';
export {
  CAPF_CA_RSA_BITS,
  CAPF_CA_VALIDITY_DAYS,
  CAPF_NAME_PREFIX,
  createCapfCaCertificate,
  generateCapfCa,
  isReservedCapfName,
  type CapfCaCurve,
  type CapfCaMaterial,
  type CapfCaOptions,
  type CapfCaProfile,
} from './capf-ca.ts';
export { LscBuilder, type LscRequest } from './lsc.ts';
export { describePublicKey, inspectPublicKey, MAX_SPKI_BYTES, RSA_BITS, subjectKeyIdentifier, type InspectedPublicKey, type PublicKeyDescription } from './spki.ts';
export {
  derToPem,
  describeCertificate,
  MAX_CERTIFICATE_BYTES,
  MAX_CHAIN_CERTIFICATES,
  pemToDer,
  splitPemChain,
  toStoredCertificate,
  type CertificateDescription,
} from './certificate.ts';
export { certificateNamesDevice, MAX_ANCHORS, MAX_PATH_CERTIFICATES, verifyIssuedBy, type VerifiedPath, type VerifyOptions } from './chain.ts';
export { MAX_CSR_BYTES, parseCsr, type ParsedCsr } from './csr.ts';
export { certificateHasKey, certificatePublicKeyDer, samePublicKey } from './certificate-key.ts';
export { CRL_REASONS, CrlBuilder, MAX_CRL_ENTRIES, type CrlContent, type CrlReason, type RevokedEntry } from './crl.ts';
