// Every LSC counted for the monitor's metrics without reading the records: one COUNT query (paged) per state on the
// certificates-by-notAfter index, and the installed ones (in service) split by days to expiry (≤1, ≤7, ≤30, >30) with
// four ranges of that index. A run reads only the certificates inside its windows; these counts cover the rest.
import { DAY_MS, EXPIRY_BUCKETS, type CertificateState as MonitoredState, type ExpiryBucket, type LscCounts } from '../monitor/index.ts';
import { normaliseIsoDate } from '../domain/validation.ts';
import type { CertificateState, IssuanceRecord, MonitorStore } from '../ports/index.ts';

/** The states counted whatever their notAfter; `installed` is the sum of its buckets. */
const OTHER_STATES: readonly CertificateState[] = ['issued', 'expired', 'superseded', 'abandoned', 'deleted', 'revoked'];
/** Upper ends of the buckets in days from now (inclusive): a certificate exactly 7 days away is in ≤7. */
const BUCKET_DAYS: Readonly<Record<Exclude<ExpiryBucket, 'gt30'>, number>> = { le1: 1, le7: 7, le30: 30 };

/** The notAfter range of each bucket at `now` (ISO 8601, both ends included; open ends left out). */
export function bucketRanges(now: Date): Record<ExpiryBucket, { from?: string; to?: string }> {
  const end = (days: number) => now.getTime() + days * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    le1: { to: iso(end(BUCKET_DAYS.le1)) },
    le7: { from: iso(end(BUCKET_DAYS.le1) + 1), to: iso(end(BUCKET_DAYS.le7)) },
    le30: { from: iso(end(BUCKET_DAYS.le7) + 1), to: iso(end(BUCKET_DAYS.le30)) },
    gt30: { from: iso(end(BUCKET_DAYS.le30) + 1) },
  };
}

/** The monitor's state for an issuance state: a record marked `expired` is out of service and not revoked yet. */
function monitored(state: CertificateState): MonitoredState {
  return state === 'expired' ? 'issued' : state;
}

/** The bucket a notAfter falls in at `now`. */
function bucketOf(notAfter: string, ranges: Record<ExpiryBucket, { from?: string; to?: string }>): ExpiryBucket {
  return EXPIRY_BUCKETS.find((bucket) => (ranges[bucket].to === undefined || notAfter <= ranges[bucket].to) && (ranges[bucket].from === undefined || notAfter >= ranges[bucket].from)) ?? 'gt30';
}

/**
 * The counts; `installed`: issued records to count as installed, which the store still has in the issued partition
 * (a dry run writes nothing: installed-records.ts).
 */
export async function countLscs(monitor: MonitorStore, now: Date, installed: readonly IssuanceRecord[] = []): Promise<LscCounts> {
  const ranges = bucketRanges(now);
  const [buckets, states] = await Promise.all([
    Promise.all(EXPIRY_BUCKETS.map((bucket) => monitor.countCertificates('installed', ranges[bucket]))),
    Promise.all(OTHER_STATES.map((state) => monitor.countCertificates(state))),
  ]);
  const inServiceByBucket = Object.fromEntries(EXPIRY_BUCKETS.map((bucket, i) => [bucket, buckets[i] ?? 0])) as Record<ExpiryBucket, number>;
  for (const record of installed) if (record.certificate) inServiceByBucket[bucketOf(normaliseIsoDate('notAfter', record.certificate.notAfter), ranges)] += 1;
  const moved = installed.filter((record) => record.certificate).length;
  const byState: LscCounts['byState'] = { installed: Object.values(inServiceByBucket).reduce((sum, n) => sum + n, 0) };
  OTHER_STATES.forEach((state, i) => {
    const key = monitored(state);
    byState[key] = (byState[key] ?? 0) + (states[i] ?? 0) - (state === 'issued' ? moved : 0);
  });
  return { byState, inServiceByBucket };
}
