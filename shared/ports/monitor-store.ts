// The expiry monitor's own state (F19): which notices each recipient has been sent (so no one is told twice), the
// revocation of an LSC with its CRL reason, the revoked LSCs a CRL lists, and the last CRL published (its number only
// ever grows). Adapter: shared/store/dynamo-monitor-store.ts, on the same table as the other stores.
import type { CertificateState, IssuanceKey } from './issuance-store.ts';
import type { RevocationReason } from './issuer.ts';

export interface RevokedLsc {
  deviceName: string;
  serialHex: string;
  /** ISO 8601: when the monitor revoked it. */
  revokedAt: string;
  reason: RevocationReason;
  /** ISO 8601: the certificate's notAfter. */
  notAfter: string;
}

export interface PublishedCrl {
  /** The CRL number of the last CRL published; the next one is this + 1. */
  crlNumber: number;
  /** ISO 8601. */
  thisUpdate: string;
  nextUpdate: string;
  /** A digest of the revoked serials it lists, to tell whether the list changed since. */
  listHash: string;
}

export interface MonitorStore {
  /** The notice keys already sent to `recipient` (shared/monitor noticeKey). */
  sentNotices(recipient: string): Promise<Set<string>>;
  /** Records keys as sent to `recipient` (repeating a key is harmless). */
  recordSent(recipient: string, keys: readonly string[]): Promise<void>;
  /** Forgets keys (a certificate that is no longer due: pruning, since the table has no TTL locally). */
  forgetSent(recipient: string, keys: readonly string[]): Promise<void>;
  /**
   * Revokes an LSC's issuance record with its CRL reason, conditional on its state allowing it (the forward-only
   * states of shared/domain/certificate-states.ts). False when it was already revoked or cannot be.
   */
  revoke(key: IssuanceKey, reason: RevocationReason): Promise<boolean>;
  /**
   * How many LSC records are in `state` with notAfter in [from, to] (ISO 8601, both ends included; open ends when
   * left out), counted through the notAfter index without reading the records (Select COUNT, paged): the monitor's
   * metrics over every certificate, not only those a run gathers.
   */
  countCertificates(state: CertificateState, range?: { from?: string; to?: string }): Promise<number>;
  /** The revoked LSCs whose notAfter is at or after `notAfterFrom` (ISO 8601), through the notAfter index. */
  listRevoked(notAfterFrom: string): Promise<RevokedLsc[]>;
  /** The last CRL published, if any. */
  publishedCrl(): Promise<PublishedCrl | undefined>;
  /** When the last run wants the next one (monitorSchedule), and when that run was; undefined before the first run. */
  schedule(): Promise<{ lastRunAt: string; nextRunAt: string } | undefined>;
  /** Records the schedule after a run, unless a later run already recorded its own (that one stays). */
  saveSchedule(schedule: { lastRunAt: string; nextRunAt: string }): Promise<void>;
  /** Records a newly published CRL, conditional on the previous number (ConflictError when another run won). */
  savePublishedCrl(next: PublishedCrl, previousNumber: number | undefined): Promise<void>;
}
