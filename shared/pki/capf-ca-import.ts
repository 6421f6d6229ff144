// F4: a CAPF certificate and key an administrator brings (`capf ca import`), checked before anything is replaced:
// one certificate, the key that belongs to it, the CA profile phones insist on (BasicConstraints CA:TRUE, KeyUsage
// digitalSignature + keyCertSign), a key phones accept for TLS (RSA 1024-2048, or EC P-256/P-384), valid now. The
// key text is never quoted in an error.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import { CAPF_CA_RSA_BITS } from './capf-ca.ts';
import { certificateHasKey } from './certificate-key.ts';
import { readBasicConstraints, readCertificateParts } from './certificate-parts.ts';
import { derToPem, splitPemChain } from './certificate.ts';
import { allowsKeyUsage } from './issuer-certificate.ts';

const MAX_KEY_PEM_CHARS = 16_384;
const CURVES = new Set(['prime256v1', 'secp384r1']);

export interface CheckedCapfCa {
  certificatePem: string;
  certificateDer: Uint8Array;
  /** PKCS#8 PEM, re-exported (a PKCS#1 or SEC1 file comes out as PKCS#8). Secret. */
  privateKeyPem: string;
}

function refused(message: string, code = 'INVALID_CAPF_CERTIFICATE'): ValidationError {
  return new ValidationError(message, code);
}

function readKey(privateKeyPem: string): KeyObject {
  if (privateKeyPem.length > MAX_KEY_PEM_CHARS) throw refused(`the key file is ${privateKeyPem.length} characters; a CAPF key is a few thousand at most`, 'INVALID_KEY');
  try {
    return createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch {
    throw refused('the key file is not a readable unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1); decrypt it first (openssl pkey -in KEY -out plain.key)', 'INVALID_KEY');
  }
}

/** Checks an imported CAPF certificate and key; ValidationError saying what is wrong. */
export function checkImportedCapfCa(certificatePem: string, privateKeyPem: string, now = new Date()): CheckedCapfCa {
  const certificates = splitPemChain(certificatePem);
  if (certificates.length !== 1) throw refused(`the certificate file holds ${certificates.length} certificates; give the CAPF certificate alone`);
  const certificateDer = certificates[0]!;
  const parts = readCertificateParts(certificateDer);
  const key = readKey(privateKeyPem);
  if (!certificateHasKey(certificateDer, createPublicKey(key).export({ type: 'spki', format: 'der' }))) {
    throw refused('the key is not the key of this certificate', 'KEY_MISMATCH');
  }
  if (!readBasicConstraints(parts)?.ca) throw refused('the certificate is not a CA (BasicConstraints CA:TRUE): it issues the LSCs');
  for (const usage of ['digitalSignature', 'keyCertSign'] as const) {
    if (!allowsKeyUsage(parts, usage)) throw refused(`the certificate's KeyUsage lacks ${usage}: phones refuse TLS with it, and it signs LSCs`);
  }
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details?.modulusLength ?? 0;
    if (bits < CAPF_CA_RSA_BITS.min || bits > CAPF_CA_RSA_BITS.max) throw refused(`an RSA key of ${bits} bits: phones accept ${CAPF_CA_RSA_BITS.min} to ${CAPF_CA_RSA_BITS.max} for the CAPF certificate`);
  } else if (key.asymmetricKeyType === 'ec') {
    if (!CURVES.has(details?.namedCurve ?? '')) throw refused(`an EC key on ${details?.namedCurve ?? 'an unknown curve'}: use P-256 or P-384`);
  } else {
    throw refused(`a ${key.asymmetricKeyType ?? 'unknown'} key: the CAPF certificate needs RSA or EC`);
  }
  if (parts.notAfter < now) throw refused(`the certificate expired at ${parts.notAfter.toISOString()}`);
  if (parts.notBefore > now) throw refused(`the certificate is not valid before ${parts.notBefore.toISOString()}`);
  return { certificatePem: derToPem(certificateDer), certificateDer, privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string };
}
