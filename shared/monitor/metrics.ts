// The numbers each monitor run publishes: certificates by state, certificates in service by days-to-expiry bucket, the
// dashboard's CertificatesExpiring gauge and the 7-day alarm's input.
import { CERTIFICATE_KINDS, CERTIFICATE_STATES, checkCertificate, checkNow, daysLeft, inService, type CertificateKind, type CertificateState, type MonitoredCertificate } from './certificates.ts';
import { checkLeadDays, LEAD_TIME_DAYS } from './notices.ts';

/** le1: one day or less left (expired included); le7: over 1, up to 7; le30: over 7, up to 30; gt30: more. */
export type ExpiryBucket = 'le1' | 'le7' | 'le30' | 'gt30';
export const EXPIRY_BUCKETS: readonly ExpiryBucket[] = ['le1', 'le7', 'le30', 'gt30'];
/** How people read the bucket names (dashboard legends, CLI). */
export const EXPIRY_BUCKET_LABELS: Readonly<Record<ExpiryBucket, string>> = { le1: '≤1 day', le7: '≤7 days', le30: '≤30 days', gt30: '>30 days' };

export function expiryBucket(days: number): ExpiryBucket {
  return days <= 1 ? 'le1' : days <= 7 ? 'le7' : days <= 30 ? 'le30' : 'gt30';
}

export interface ExpiryMetrics {
  /** Every certificate, by state. */
  byState: Record<CertificateState, number>;
  /** Certificates in service (installed LSCs, active others), by kind and bucket. */
  byBucket: Record<CertificateKind, Record<ExpiryBucket, number>>;
  /** LSCs and CAPF certificates in service expiring within the lead time or expired: the CertificatesExpiring gauge. */
  expiringWithinLead: number;
  /** LSCs and CAPF certificates in service with 7 days or less left (expired included): the alarm fires above 0. */
  criticalWithinSevenDays: number;
}

function zeroBuckets(): Record<ExpiryBucket, number> {
  return { le1: 0, le7: 0, le30: 0, gt30: 0 };
}

/**
 * Every LSC counted in the store rather than gathered: by state, and the installed ones (in service) by bucket. With
 * these, expiryMetrics counts the LSCs of its list only toward the gauge and the alarm (the caller's list holds every
 * installed LSC within the lead time and 7 days), so the state and bucket figures cover certificates a run never reads.
 */
export interface LscCounts {
  byState: Partial<Record<CertificateState, number>>;
  inServiceByBucket: Record<ExpiryBucket, number>;
}

function checkCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a count (a non-negative integer)`);
  return value;
}

export function expiryMetrics(certificates: readonly MonitoredCertificate[], options: { now: Date; leadDays?: number; lscCounts?: LscCounts }): ExpiryMetrics {
  const nowMs = checkNow(options.now);
  const leadDays = checkLeadDays(options.leadDays ?? LEAD_TIME_DAYS.default);
  const byState = Object.fromEntries(CERTIFICATE_STATES.map((state) => [state, 0])) as Record<CertificateState, number>;
  const byBucket = Object.fromEntries(CERTIFICATE_KINDS.map((kind) => [kind, zeroBuckets()])) as Record<CertificateKind, Record<ExpiryBucket, number>>;
  const out: ExpiryMetrics = { byState, byBucket, expiringWithinLead: 0, criticalWithinSevenDays: 0 };
  const counted = options.lscCounts;
  if (counted) {
    for (const state of CERTIFICATE_STATES) byState[state] += checkCount(counted.byState[state] ?? 0, `the count of ${state} LSCs`);
    for (const bucket of EXPIRY_BUCKETS) byBucket.lsc[bucket] = checkCount(counted.inServiceByBucket[bucket], `the count of LSCs in bucket ${bucket}`);
  }
  for (const certificate of certificates) {
    const checked = checkCertificate(certificate);
    const listed = !(counted && certificate.kind === 'lsc');
    if (listed) byState[certificate.state]++;
    if (!inService(certificate)) continue;
    const days = daysLeft(checked, nowMs);
    if (listed) byBucket[certificate.kind][expiryBucket(days)]++;
    if (certificate.kind !== 'lsc' && certificate.kind !== 'capf-ca') continue;
    if (days <= leadDays) out.expiringWithinLead++;
    if (days <= 7) out.criticalWithinSevenDays++;
  }
  return out;
}
