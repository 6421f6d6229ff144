// The issuer port: who signs an LSC (the CAPF CA with a software or KMS key, AWS Private CA, an online Microsoft CA, an
// offline CA fed through a bucket). Every issuer issues and describes itself; what only some can do (answer a pending
// request later, revoke, publish a CRL) is an optional capability with a type guard, so no issuer stubs a method it
// cannot carry out. The backends and their registry live in shared/issuers.

/** How the phone's key reaches the issuer: a bare public key (the CAPF CA) or a CSR the phone signed (external CAs). */
export type KeyDelivery = 'public-key' | 'csr';

export interface IssueRequest {
  /** Stable across retries of the same request: the issuer may use it as an idempotency token. */
  requestId: string;
  deviceName: string;
  /** The device's operation the request belongs to (an issuer that answers later, like the offline CA, records it). */
  operationId?: string;
  /** DER SubjectPublicKeyInfo the phone generated. */
  publicKeyDer: Uint8Array;
  /** DER PKCS#10 signed by the phone (the CSR flow of external CAs), when the phone sent one. */
  csrDer?: Uint8Array;
  /** Whole days within the LSC validity bounds (shared/domain/parameters.ts). */
  validityDays: number;
}

export type IssueResult =
  | { kind: 'issued'; certificateDer: Uint8Array; chainDer: Uint8Array[] }
  /** The CA keeps the request (an approval, an offline CA): `handle` finds it again (see PendingPoller). */
  | { kind: 'pending'; handle: string; message: string }
  /** The request cannot be signed as it is: `reason` says what an administrator can change. */
  | { kind: 'refused'; code: string; reason: string };

export interface IssuerDescription {
  /** The issuer's kind: capf-software, capf-kms, acm-pca, microsoft-ca... */
  name: string;
  /** The CA certificates an administrator uploads to CUCM's trust stores, the issuing CA first. */
  caCertificatesDer: Uint8Array[];
}

export interface Issuer {
  /** The issuer's kind; recorded with every issuance it signs. */
  readonly name: string;
  issue(request: IssueRequest): Promise<IssueResult>;
  describe(): Promise<IssuerDescription>;
}

/** An issuer whose CA may keep a request pending (approval, offline signing) and answer it later. */
export interface PendingPoller {
  /** Asks again about the request `handle` (from a 'pending' result): issued, still pending, or refused. */
  fetchPending(handle: string): Promise<IssueResult>;
}

export function canPollPending<T extends Issuer>(issuer: T): issuer is T & PendingPoller {
  return typeof (issuer as Partial<PendingPoller>).fetchPending === 'function';
}

/** RFC 5280 CRLReason names (shared/pki/crl.ts writes their codes; removeFromCRL belongs to delta CRLs, which we do not publish). */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'privilegeWithdrawn'
  | 'aACompromise';

/** An issuer that can revoke what it signed. */
export interface Revoker {
  revoke(certificate: { serialHex: string; certificateDer: Uint8Array }, reason: RevocationReason): Promise<void>;
}

export function canRevoke<T extends Issuer>(issuer: T): issuer is T & Revoker {
  return typeof (issuer as Partial<Revoker>).revoke === 'function';
}

/** An issuer whose CA publishes a certificate revocation list (the CAPF CA builds its own). */
export interface CrlSource {
  /** The current CRL (DER) and when the next one is due (ISO 8601). */
  currentCrl(): Promise<{ crlDer: Uint8Array; nextUpdate: string }>;
}

export function hasCrl<T extends Issuer>(issuer: T): issuer is T & CrlSource {
  return typeof (issuer as Partial<CrlSource>).currentCrl === 'function';
}
