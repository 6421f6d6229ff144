// The certificates in service (issued or installed LSCs) by expiry, for the console's chart and the list behind each
// bar: counts by days to expiry (expired, ≤1, ≤7, ≤30, ≤90, later), counts by month for the next twelve months, and
// the certificates whose notAfter falls in a range, soonest first. Read through the certificates-by-notAfter index of
// the issuance store (no scan), page by page.
import { ValidationError } from '../errors.ts';
import { withDevicesStates } from '../domain/certificate-states.ts';
import type { CertificateState, DeviceStore, IssuanceRecord, IssuanceStore } from '../ports/index.ts';
import { certificateView, type CertificateView } from './certificate-view.ts';

const DAY_MS = 86_400_000;
/** The states of a certificate a phone holds or may hold: what expires in service. */
export const IN_SERVICE_STATES: readonly CertificateState[] = ['issued', 'installed'];
export const EXPIRY_BUCKETS = ['expired', 'le1', 'le7', 'le30', 'le90', 'later'] as const;
export type ExpiryBucket = (typeof EXPIRY_BUCKETS)[number];
/** The upper bound in days of each bucket but `expired` and `later`. */
const BUCKET_DAYS: ReadonlyArray<[ExpiryBucket, number]> = [
  ['le1', 1],
  ['le7', 7],
  ['le30', 30],
  ['le90', 90],
];
/** Records asked of the store at once (its ceiling is higher). */
const STORE_PAGE = 5_000;
/** A summary counts at most this many certificates (a fleet is tens of thousands of phones). */
export const MAX_SUMMARISED = 500_000;
export const CERTIFICATE_LIST_LIMIT = { min: 1, max: 1_000, default: 100 } as const;
const EARLIEST = '2000-01-01T00:00:00.000Z';
const LATEST = '9999-12-31T23:59:59.999Z';

export interface ExpirySummary {
  at: string;
  total: number;
  buckets: Record<ExpiryBucket, number>;
  /** The next twelve calendar months (UTC), this one first: `YYYY-MM` and how many expire in it. */
  months: { month: string; count: number }[];
}

export type ListedCertificate = CertificateView & { deviceName: string };

export function bucketOf(notAfter: string, now: Date): ExpiryBucket {
  const days = (Date.parse(notAfter) - now.getTime()) / DAY_MS;
  if (days < 0) return 'expired';
  for (const [bucket, limit] of BUCKET_DAYS) if (days <= limit) return bucket;
  return 'later';
}

/** Every in-service record with notAfter in [from, to], each once, in notAfter order per state. */
async function* inService(issuances: IssuanceStore, from: string, to: string, pageSize: number): AsyncGenerator<IssuanceRecord> {
  for (const state of IN_SERVICE_STATES) {
    let start = from;
    let atStart = new Set<string>();
    for (;;) {
      const page = await issuances.listByNotAfter({ from: start, to, states: [state], limit: pageSize });
      const last = page.at(-1)?.certificate?.notAfter;
      const seenAtLast = new Set<string>();
      for (const record of page) {
        const id = `${record.deviceName}/${record.operationId}/${record.spkiSha256}`;
        if (record.certificate?.notAfter === start && atStart.has(id)) continue;
        if (record.certificate?.notAfter === last) seenAtLast.add(id);
        yield record;
      }
      if (page.length < pageSize || last === undefined) break;
      if (last === start) throw new ValidationError(`more than ${pageSize} certificates expire at ${last}; they cannot be paged`, 'TOO_MANY');
      // Ties at the page's last instant come again on the next page: those already given are skipped.
      start = last;
      atStart = seenAtLast;
    }
  }
}

export async function expirySummary(issuances: IssuanceStore, now: Date, pageSize = STORE_PAGE): Promise<ExpirySummary> {
  const buckets = Object.fromEntries(EXPIRY_BUCKETS.map((bucket) => [bucket, 0])) as Record<ExpiryBucket, number>;
  const months = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1)).toISOString().slice(0, 7));
  const perMonth = new Map(months.map((month) => [month, 0]));
  let total = 0;
  for await (const record of inService(issuances, EARLIEST, LATEST, pageSize)) {
    const notAfter = record.certificate?.notAfter;
    if (!notAfter) continue;
    if (++total > MAX_SUMMARISED) throw new ValidationError(`more than ${MAX_SUMMARISED} certificates in service: too many to summarise`, 'TOO_MANY');
    buckets[bucketOf(notAfter, now)] += 1;
    const month = notAfter.slice(0, 7);
    const count = perMonth.get(month);
    if (count !== undefined && notAfter >= now.toISOString()) perMonth.set(month, count + 1);
  }
  return { at: now.toISOString(), total, buckets, months: months.map((month) => ({ month, count: perMonth.get(month) ?? 0 })) };
}

/** In-service certificates with notAfter in [from, to], soonest first, at most `limit` (truncated says more exist). */
export async function certificatesExpiring(
  stores: { issuances: IssuanceStore; devices: Pick<DeviceStore, 'getMany'> },
  range: { from: string; to: string; limit: number },
): Promise<{ certificates: ListedCertificate[]; truncated: boolean }> {
  if (range.from > range.to) throw new ValidationError(`the range starts (${range.from}) after it ends (${range.to})`, 'INVALID_RANGE');
  const records = await stores.issuances.listByNotAfter({ from: range.from, to: range.to, states: IN_SERVICE_STATES, limit: range.limit + 1 });
  // A device's current LSC may still say issued (issue 16): its device names it, so it is listed as installed.
  const listed = await withDevicesStates(stores.devices, records.slice(0, range.limit));
  return {
    certificates: listed.map((record) => ({ deviceName: record.deviceName, ...certificateView(record) })),
    truncated: records.length > range.limit,
  };
}
