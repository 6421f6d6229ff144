// Which LSCs the monitor revokes, with which CRL reason, and which revoked LSCs the next CRL lists and when it is due.
import { ValidationError } from '../errors.ts';
import { MAX_CRL_ENTRIES, type CrlReason, type RevokedEntry } from '../pki/crl.ts';
import { checkCertificate, checkNow, compareText, DAY_MS, type MonitoredCertificate } from './certificates.ts';

/** Why an LSC is revoked: the state it was in, or `expired` for one that was still in use or waiting to be installed. */
export type RevocationCause = 'expired' | 'superseded' | 'abandoned' | 'deleted';

/** The CRL reason each cause is published with (RFC 5280 §5.3.1): a replaced or never-installed LSC is superseded;
 *  an expired or deleted one has ceased to be used. */
export const REVOCATION_REASONS: Readonly<Record<RevocationCause, CrlReason>> = {
  expired: 'cessationOfOperation',
  superseded: 'superseded',
  abandoned: 'superseded',
  deleted: 'cessationOfOperation',
};

export interface RevocationDue {
  device: string;
  serialHex: string;
  cause: RevocationCause;
  reason: CrlReason;
}

/**
 * The LSCs to revoke now: every LSC not yet revoked that was superseded, abandoned or deleted, or that has expired
 * (whatever its state). Sorted by device, then serial.
 */
export function revocationsDue(certificates: readonly MonitoredCertificate[], now: Date): RevocationDue[] {
  const nowMs = checkNow(now);
  const due: RevocationDue[] = [];
  for (const certificate of certificates) {
    const checked = checkCertificate(certificate);
    if (certificate.kind !== 'lsc' || certificate.state === 'revoked') continue;
    const { state } = certificate;
    const cause: RevocationCause | undefined = state === 'superseded' || state === 'abandoned' || state === 'deleted' ? state : checked.notAfterMs <= nowMs ? 'expired' : undefined;
    if (cause) due.push({ device: certificate.device, serialHex: checked.serial, cause, reason: REVOCATION_REASONS[cause] });
  }
  return due.sort((a, b) => compareText(a.device, b.device) || compareText(a.serialHex, b.serialHex));
}

/** How long each CRL is valid (nextUpdate − thisUpdate), and how long an entry stays listed after its certificate
 *  expired. The retention is never shorter than the validity, so every entry appears on at least one CRL issued after
 *  its certificate expired, as RFC 5280 §3.3 asks before an entry may be dropped. */
export const CRL_VALIDITY_DAYS = { min: 1, max: 30, default: 7 } as const;
export const CRL_RETENTION_DAYS = { max: 3650, default: 30 } as const;

/** A revoked LSC as the store keeps it. */
export interface RevokedCertificate {
  serialHex: string;
  /** ISO 8601. */
  revokedAt: string;
  reason: CrlReason;
  /** ISO 8601: the certificate's own notAfter. */
  notAfter: string;
}

export interface CrlPlanOptions {
  now: Date;
  validityDays?: number;
  retentionDays?: number;
}

export interface CrlPlan {
  thisUpdate: Date;
  nextUpdate: Date;
  /** What CrlBuilder.build takes as `entries`. */
  entries: RevokedEntry[];
  /** Revoked certificates left off because they expired more than the retention ago. */
  dropped: number;
}

function checkDays(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new ValidationError(`${what} must be a whole number of days from ${min} to ${max}, not ${value}`, 'INVALID_MONITOR_OPTIONS');
  return value;
}

/** The times and entries of the CRL to publish at `now`. ValidationError when the entries would not fit in a CRL. */
export function planCrl(revoked: readonly RevokedCertificate[], options: CrlPlanOptions): CrlPlan {
  const nowMs = Math.floor(checkNow(options.now) / 1000) * 1000;
  const validityDays = checkDays(options.validityDays ?? CRL_VALIDITY_DAYS.default, CRL_VALIDITY_DAYS.min, CRL_VALIDITY_DAYS.max, 'the CRL validity');
  const retentionDays = checkDays(options.retentionDays ?? Math.max(CRL_RETENTION_DAYS.default, validityDays), validityDays, CRL_RETENTION_DAYS.max, 'the CRL retention');
  const keepAfterMs = nowMs - retentionDays * DAY_MS;
  const entries: RevokedEntry[] = [];
  for (const entry of revoked) {
    const notAfterMs = Date.parse(entry.notAfter);
    const revokedAtMs = Date.parse(entry.revokedAt);
    if (Number.isNaN(notAfterMs) || Number.isNaN(revokedAtMs)) {
      throw new ValidationError(`revoked certificate ${String(entry.serialHex).slice(0, 48)} has an invalid notAfter or revokedAt`, 'INVALID_MONITORED_CERTIFICATE');
    }
    if (notAfterMs < keepAfterMs) continue;
    // A revocation stamped a moment after this run started (another writer's clock) is listed as of thisUpdate.
    entries.push({ serialHex: entry.serialHex, revokedAt: new Date(Math.min(revokedAtMs, nowMs)), reason: entry.reason });
  }
  if (entries.length > MAX_CRL_ENTRIES) {
    throw new ValidationError(`${entries.length} revoked LSCs are within the retention, more than a CRL holds (${MAX_CRL_ENTRIES}); shorten the CRL retention`, 'CRL_TOO_LARGE');
  }
  return { thisUpdate: new Date(nowMs), nextUpdate: new Date(nowMs + validityDays * DAY_MS), entries, dropped: revoked.length - entries.length };
}

/**
 * Whether a new CRL must be published at `now`: none yet, the revoked list changed, or half of the current CRL's
 * validity has passed (so relying parties never hold a CRL past its nextUpdate, even when a daily run fails once).
 */
export function crlRefreshDue(current: { thisUpdate: Date; nextUpdate: Date } | undefined, now: Date, revokedListChanged: boolean): boolean {
  if (!current || revokedListChanged) return true;
  const nowMs = checkNow(now);
  const halfway = current.thisUpdate.getTime() + (current.nextUpdate.getTime() - current.thisUpdate.getTime()) / 2;
  return !(nowMs < halfway);
}
