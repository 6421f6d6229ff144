// The CA signer port: signs with a CA key wherever it lives (a software KeyObject, AWS KMS). The LSC and CAPF CA
// builders in shared/pki sign through it; the signers themselves are in shared/pki (software) and shared/issuers (KMS).
import type { KeyObject } from 'node:crypto';

export interface CaSigner {
  readonly keyType: 'rsa' | 'ec';
  /** Signs `data` with SHA-256 (RSA PKCS#1 v1.5 or ECDSA); returns the X.509 signatureValue bytes (ECDSA in DER). */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Present for software keys only; a KMS key never leaves KMS. */
  readonly privateKey?: KeyObject;
}
