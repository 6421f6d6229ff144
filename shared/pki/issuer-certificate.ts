// The certificate of a CA we sign with (LSCs, CRLs): read once, checked against the signer that holds its key.
import { createPublicKey } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { KeyUsage, KeyUsageFlags } from '@peculiar/asn1-x509';
import { ConfigError } from '../errors.ts';
import type { CaSigner } from '../ports/index.ts';
import { readBasicConstraints, readCertificateParts, readSubjectKeyIdentifier, type CertificateParts } from './certificate-parts.ts';
import { subjectKeyIdentifier } from './spki.ts';
import { OID } from './x509-encoding.ts';

/** What the issuer signs, for error messages and codes: `LSC` → LSC_ISSUER, `CRL` → CRL_ISSUER. */
export type IssuerRole = 'LSC' | 'CRL';

export function issuerProblem(role: IssuerRole, message: string): ConfigError {
  return new ConfigError(`${role} issuer certificate ${message}`, `${role}_ISSUER`);
}

/**
 * Parses the issuer certificate and checks it can sign for `role` with `signer`: a CA (BasicConstraints CA:TRUE) whose
 * public key has the signer's type. Throws ConfigError `<role>_ISSUER` otherwise.
 */
export function readSigningIssuer(issuerCertificateDer: Uint8Array, signer: CaSigner, role: IssuerRole): CertificateParts {
  let parts: CertificateParts;
  try {
    parts = readCertificateParts(issuerCertificateDer);
  } catch (err) {
    throw issuerProblem(role, `is not usable: ${(err as Error).message}`);
  }
  if (!readBasicConstraints(parts)?.ca) throw issuerProblem(role, 'is not a CA certificate (BasicConstraints CA:TRUE is missing)');
  let keyType: string | undefined;
  try {
    keyType = createPublicKey({ key: Buffer.from(parts.spki), format: 'der', type: 'spki' }).asymmetricKeyType;
  } catch (err) {
    throw issuerProblem(role, `public key does not parse: ${(err as Error).message}`);
  }
  if (keyType !== signer.keyType) throw issuerProblem(role, `holds a ${keyType ?? 'unknown'} key but the signer signs with ${signer.keyType}`);
  return parts;
}

/** The key identifier an AuthorityKeyIdentifier names: the issuer's SKI, or (when it has none) the SHA-1 of its key. */
export function issuerKeyIdentifier(parts: CertificateParts): Uint8Array {
  return Uint8Array.from(readSubjectKeyIdentifier(parts) ?? subjectKeyIdentifier(parts.spki));
}

/** Whether the certificate allows `usage`; true when it has no KeyUsage extension (RFC 5280 §4.2.1.3: no restriction). */
export function allowsKeyUsage(parts: CertificateParts, usage: keyof typeof KeyUsageFlags): boolean {
  const ext = parts.extensions.get(OID.keyUsage);
  if (!ext) return true;
  try {
    return (AsnConvert.parse(ext.value, KeyUsage).toNumber() & KeyUsageFlags[usage]) !== 0;
  } catch (err) {
    throw new ConfigError(`issuer certificate has a malformed KeyUsage extension: ${(err as Error).message}`, 'INVALID_CERTIFICATE');
  }
}
