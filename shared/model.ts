// The domain vocabulary shared by the session engine, the store, the issuers and the admin commands.
// Pure types and small helpers only: no I/O here.

/** F7: what the next CAPF session of the device must do. */
export type CertificateOperation = 'none' | 'install' | 'delete' | 'fetch';
export const CERTIFICATE_OPERATIONS: readonly CertificateOperation[] = ['none', 'install', 'delete', 'fetch'];

/** F8: how the phone proves who it is. */
export type AuthMode = 'null-string' | 'auth-string' | 'lsc-precedence' | 'mic-precedence';
export const AUTH_MODES: readonly AuthMode[] = ['null-string', 'auth-string', 'lsc-precedence', 'mic-precedence'];

/** F9: which key the phone is asked to generate. `ec-rsa` = EC preferred, RSA if the phone cannot make EC. */
export type KeyOrder = 'rsa' | 'ec' | 'ec-rsa';
export const KEY_ORDERS: readonly KeyOrder[] = ['rsa', 'ec', 'ec-rsa'];

export type EcCurve = 'P-256' | 'P-384' | 'P-521';
export const EC_CURVES: readonly EcCurve[] = ['P-256', 'P-384', 'P-521'];
export const RSA_KEY_SIZES: readonly number[] = [1024, 2048, 3072, 4096];

/** F7: the visible state of the device's operation. */
export type OperationStatus = 'none' | 'pending' | 'in-progress' | 'success' | 'failed';

/** A certificate as the store keeps it: the PEM plus the fields people and queries need without parsing. */
export interface StoredCertificate {
  pem: string;
  serialHex: string; // lowercase hex, no leading zeros
  subject: string;
  issuer: string;
  notBefore: string; // ISO 8601 UTC
  notAfter: string; // ISO 8601 UTC
  sha256Fingerprint: string; // lowercase hex of the DER's SHA-256
}

export interface Device {
  name: string;
  operation: CertificateOperation;
  /** Changes whenever an administrator sets an operation; keys idempotent issuance (one certificate per operation and key). */
  operationId: string;
  /** ISO 8601; an operation whose deadline has passed is not carried out. */
  completesBy?: string;
  authMode: AuthMode;
  /** The authentication string (F8); cleared after a successful operation (one-time use, like CUCM). */
  authString?: string;
  keyOrder: KeyOrder;
  rsaKeySize: number;
  curve: EcCurve;
  status: OperationStatus;
  statusReason?: string;
  statusAt: string;
  /** Session id that set status in-progress, for the log trail. */
  statusSessionId?: number;
  /** The LSC the phone confirmed it stored (STORE_CERTIFICATE_RESPONSE success). */
  lsc?: StoredCertificate;
  /** Which issuance record holds `lsc` (absent for an LSC recorded before issue 10): superseded or deleted through it. */
  lscIssuance?: { operationId: string; spkiSha256: string };
  /** Certificates the sign service counted for the current operation (issue 10: at most maxCertificatesPerOperation). */
  certificatesIssued?: number;
  /** Wrong authentication strings since the operation was armed or last authenticated (shared/domain/auth-lockout.ts). */
  authFailures?: number;
  /** ISO 8601: until then the operation is locked (END_SESSION 7, the string not even compared). Re-arming clears it. */
  lockedUntil?: string;
  /** What a troubleshoot (fetch) operation brought back. */
  fetched?: { certificate: StoredCertificate; certificateType: 'lsc' | 'mic'; at: string };
  createdAt: string;
  updatedAt: string;
  /** Bumped on every write; writes are conditional on it. */
  version: number;
}

/** SEP + 12 hex digits (hardware phones), or the CSF/BOT/TCT/TAB soft-client names; at most 64 characters. */
export const DEVICE_NAME_PATTERN = /^(SEP[0-9A-F]{12}|[A-Za-z][A-Za-z0-9_.-]{0,63})$/;

export function isValidDeviceName(name: string): boolean {
  return name.length <= 64 && DEVICE_NAME_PATTERN.test(name);
}
