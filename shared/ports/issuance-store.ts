// The issuance store port: one record per (device, operation, public key), so a retried or duplicated signing request
// finds the first certificate instead of signing again, and the listener records what the phone did with it. The
// record also keeps the issuing chain (an LSC we issued authenticates the phone later) and, for a CA that answers
// later, the handle to ask again. Adapter: shared/store/dynamo-issuance-store.ts.
// States to come with the next features (superseded, deleted, revoked, expired) and a query by notAfter (the expiry
// monitor) belong here, with their adapter methods.
import type { StoredCertificate } from '../model.ts';

/** reserved = a signer claimed the key and is signing (until leaseUntil); then issued or pending, installed or abandoned. */
export const ISSUANCE_STATES = ['reserved', 'issued', 'pending', 'installed', 'abandoned'] as const;
export type IssuanceState = (typeof ISSUANCE_STATES)[number];

export interface IssuanceKey {
  deviceName: string;
  operationId: string;
  /** Lowercase hex SHA-256 of the phone's SubjectPublicKeyInfo. */
  spkiSha256: string;
}

export interface IssuanceRecord extends IssuanceKey {
  requestId: string;
  state: IssuanceState;
  /** ISO 8601; a reservation past its lease may be taken over by another signer. */
  leaseUntil?: string;
  /** Present once issued. */
  certificate?: StoredCertificate;
  /** The issuing CA's chain, PEM, issuing CA first. */
  chainPem: string[];
  /** The issuer's handle for a pending request (online or offline CA), to ask again later. */
  pendingHandle?: string;
  /** Which issuer signed (its kind: capf-software, capf-kms, acm-pca, microsoft-ca...). */
  issuer: string;
  createdAt: string;
}

export type ClaimResult = { claimed: true; record: IssuanceRecord } | { claimed: false; record: IssuanceRecord };

export interface IssuanceStore {
  get(key: IssuanceKey): Promise<IssuanceRecord | undefined>;
  /** Puts the record if none exists for its key; returns whichever record is stored afterwards (never two). */
  putOnce(record: IssuanceRecord): Promise<{ record: IssuanceRecord; created: boolean }>;
  /**
   * Claims the right to sign for the key: creates a 'reserved' record, or takes over a 'reserved' one whose lease has
   * passed; the same requestId renews its own reservation. Returns claimed false with the stored record when someone
   * else holds or finished it.
   */
  claim(key: IssuanceKey, claim: { requestId: string; issuer: string; leaseMs: number }): Promise<ClaimResult>;
  /**
   * Conditional on state reserved (or pending, for the certificate that later answers a pending request) and the same
   * requestId: stores the certificate (issued) or the pending handle. Repeating the stored completion returns the
   * stored record; otherwise ConflictError (the lease was taken over), NotFoundError when nothing was claimed.
   */
  complete(record: IssuanceRecord): Promise<IssuanceRecord>;
  /**
   * A signer closes the record it claimed after its issuer refused. Conditional on state reserved or pending and the
   * same requestId (as complete): ConflictError when another signer took it over or settled it, NotFoundError when
   * nothing was claimed.
   */
  abandon(key: IssuanceKey, requestId: string): Promise<void>;
  /**
   * Sets the state of an existing record (the listener: installed, or abandoned for a certificate it sent).
   * NotFoundError for a missing record; ConflictError for 'installed' on a record that holds no certificate.
   */
  setState(key: IssuanceKey, state: IssuanceState): Promise<void>;
  /** The device's records, oldest first. */
  listForDevice(deviceName: string): Promise<IssuanceRecord[]>;
}
