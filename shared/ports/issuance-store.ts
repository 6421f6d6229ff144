// The issuance store port: one record per (device, operation, public key), so a retried or duplicated signing request
// finds the first certificate instead of signing again, and the listener records what the phone did with it. The
// record also keeps the issuing chain (an LSC we issued authenticates the phone later) and, for a CA that answers
// later, the handle to ask again. Every certificate ever issued keeps its record, and its state says where it stands
// (issue 10): the allowed changes are in shared/domain/certificate-states.ts. Records that hold a certificate are also
// listed by notAfter (the expiry monitor, the admin API) without a scan. Adapter: shared/store/dynamo-issuance-store.ts.
import type { StoredCertificate } from '../model.ts';

/**
 * reserved = a signer claimed the key and is signing (until leaseUntil): records of earlier versions only, as a signer
 * now claims the key on the device item (DeviceStore.claimKey) and writes the record once it has the answer, issued or
 * pending. An issued certificate
 * becomes installed (the phone stored it) or abandoned (sent but not stored, or its operation ended first); an installed
 * one becomes superseded (a newer LSC was installed) or deleted (the phone deleted it); any certificate may end revoked
 * or expired. Since issue 16 an enrolment does not write installed: an issued record its device's lscIssuance names is
 * the installed LSC (read through shared/domain/certificate-states.ts; the expiry monitor writes installed later), so
 * superseded and deleted may also come from issued.
 */
export const ISSUANCE_STATES = ['reserved', 'issued', 'pending', 'installed', 'abandoned', 'superseded', 'deleted', 'revoked', 'expired'] as const;
export type IssuanceState = (typeof ISSUANCE_STATES)[number];

/** The states a record holding a certificate can be in (abandoned records may or may not hold one). */
export const CERTIFICATE_STATES = ['issued', 'installed', 'abandoned', 'superseded', 'deleted', 'revoked', 'expired'] as const;
export type CertificateState = (typeof CERTIFICATE_STATES)[number];

/** A range of notAfter (ISO 8601, both ends included) and the states to look in (default: every certificate state). */
export interface NotAfterQuery {
  from: string;
  to: string;
  states?: readonly CertificateState[];
  /** At most this many records (default and ceiling: the adapter's bound); the soonest to expire first. */
  limit?: number;
}

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
  /** When the state last changed by setState (ISO 8601); absent until then. */
  stateAt?: string;
}

export interface IssuanceStore {
  get(key: IssuanceKey): Promise<IssuanceRecord | undefined>;
  /** Puts the record if none exists for its key; returns whichever record is stored afterwards (never two). */
  putOnce(record: IssuanceRecord): Promise<{ record: IssuanceRecord; created: boolean }>;
  /**
   * Records what a signer's issuer answered: the certificate (issued) or the pending handle (pending). The signer
   * claimed the key on the device (DeviceStore.claimKey), so the record is written here for the first time; or it is
   * the certificate that later answers a pending record of the same requestId (or a record reserved by an earlier
   * version). Repeating the stored completion returns the stored record; a record another request wrote first is a
   * ConflictError (its certificate is the key's).
   */
  complete(record: IssuanceRecord): Promise<IssuanceRecord>;
  /**
   * A signer closes the key after its issuer refused: the record, written as abandoned, unless another request wrote
   * the key's record first (ConflictError), or it is this signer's pending record (then abandoned). A repeat is a no-op.
   */
  abandon(record: IssuanceRecord): Promise<void>;
  /**
   * Moves an existing record to `state`, conditional on its current state allowing it (shared/domain/certificate-states.ts);
   * a record already in `state` is left as it is (a repeated write is a no-op). NotFoundError for a missing record;
   * ConflictError when the record's state does not allow the change (e.g. installed on a record without certificate).
   */
  setState(key: IssuanceKey, state: IssuanceState): Promise<void>;
  /** The device's records, oldest first. */
  listForDevice(deviceName: string): Promise<IssuanceRecord[]>;
  /** Records holding a certificate whose notAfter is in the range, soonest first, through an index (no scan). */
  listByNotAfter(query: NotAfterQuery): Promise<IssuanceRecord[]>;
}
