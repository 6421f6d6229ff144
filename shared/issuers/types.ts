// One interface for every issuer: CAPF CA (software key, KMS), ACM PCA, online Microsoft CA, offline bucket.
import type { KeyObject } from 'node:crypto';

export interface IssueRequest {
  /** Stable across retries of the same request: the issuer may use it as an idempotency token. */
  requestId: string;
  deviceName: string;
  /** DER SubjectPublicKeyInfo the phone generated (the CAPF flow). */
  publicKeyDer: Uint8Array;
  /** DER PKCS#10 signed by the phone (the CSR flow for external CAs), when the phone sent one. */
  csrDer?: Uint8Array;
  validityDays: number;
}

export type IssueResult =
  | { kind: 'issued'; certificateDer: Uint8Array; chainDer: Uint8Array[] }
  | { kind: 'pending'; handle: string; message: string }
  | { kind: 'refused'; code: string; reason: string };

export interface IssuerDescription {
  name: string; // capf-software | capf-kms | acm-pca | microsoft-ca | offline
  caCertificatesDer: Uint8Array[];
  /** True when the issuer needs a phone-signed CSR rather than a bare public key. */
  needsCsr: boolean;
}

export interface Issuer {
  readonly name: string;
  issue(request: IssueRequest): Promise<IssueResult>;
  fetchPending(handle: string): Promise<IssueResult>;
  describe(): Promise<IssuerDescription>;
}

/** Signs with a CA key wherever it lives (software KeyObject, KMS). Returns the X.509 signatureValue bytes (ECDSA DER). */
export interface CaSigner {
  readonly keyType: 'rsa' | 'ec';
  /** Signs `data` with SHA-256 (RSA PKCS#1 v1.5 or ECDSA). */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Present for software keys only; KMS keys never leave KMS. */
  readonly privateKey?: KeyObject;
}
