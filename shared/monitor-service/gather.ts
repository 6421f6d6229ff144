// What the expiry monitor looks at, read through the ports without a scan: LSCs through the certificates-by-notAfter
// index (only the states and the notAfter ranges a run needs), the CAPF CA certificate, and the trust stores' entries.
import { X509Certificate } from 'node:crypto';
import { LSC_VALIDITY_DAYS } from '../domain/parameters.ts';
import { StoreError } from '../errors.ts';
import { DAY_MS, type CertificateState as MonitoredState, type MonitoredCertificate } from '../monitor/index.ts';
import type { CertificateState, IssuanceKey, IssuanceRecord, IssuanceStore, ServiceParameters, TrustStore } from '../ports/index.ts';

/** The soonest notAfter any range starts from, and the latest any ends at. */
export const EARLIEST = '2000-01-01T00:00:00.000Z';
export const LATEST = '9999-12-31T23:59:59.999Z';
/** Records one listByNotAfter call returns at most (the adapter's ceiling). */
const PAGE = 10_000;

export interface GatheredLsc {
  certificate: MonitoredCertificate;
  key: IssuanceKey;
}

/** An issuance state as the monitor rules know it: `expired` (a record someone marked expired) is out of service and
 *  not revoked yet, which the rules treat like an issued certificate past its notAfter. */
function monitoredState(state: CertificateState): MonitoredState {
  return state === 'expired' ? 'issued' : state;
}

const keyId = (key: IssuanceKey) => `${key.deviceName}\n${key.operationId}\n${key.spkiSha256}`;

/** Every record in `state` with notAfter in [from, to], soonest first, paged by notAfter past the adapter's ceiling. */
export async function listAllByNotAfter(issuances: IssuanceStore, state: CertificateState, from: string, to: string): Promise<IssuanceRecord[]> {
  const seen = new Set<string>();
  const out: IssuanceRecord[] = [];
  let start = from;
  for (;;) {
    const page = await issuances.listByNotAfter({ from: start, to, states: [state], limit: PAGE });
    let added = 0;
    for (const record of page) {
      const id = keyId(record);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(record);
      added++;
    }
    if (page.length < PAGE) return out;
    const last = page[page.length - 1]?.certificate?.notAfter ?? start;
    // The next page starts at the last notAfter again (ties), so a page of nothing new means one instant holds more
    // than a page: refuse rather than loop.
    if (added === 0 || last === start) throw new StoreError(`more than ${PAGE} ${state} certificates expire at ${last}; the monitor cannot page past them`, 'TOO_MANY');
    start = last;
  }
}

/**
 * The LSCs a run needs: every issued, installed or expired one up to the end of the notice window (those already
 * expired, however long ago, are revoked once and leave these states), every superseded, abandoned or deleted one
 * (all are revoked), and, with re-enrolment on, installed ones far enough ahead that the re-enrolment point can have
 * passed for them. `installed`: issued records to read as installed (a dry run, which writes nothing: installed-records.ts).
 */
export async function gatherLscs(issuances: IssuanceStore, parameters: ServiceParameters, now: Date, installed: readonly IssuanceKey[] = []): Promise<GatheredLsc[]> {
  const asInstalled = new Set(installed.map(keyId));
  // A day beyond the lead time so the schedule sees a certificate entering its last day before the next daily run, and
  // at least 7 days so the alarm's count (7 days or less left) is exact whatever the lead time.
  let aheadDays = Math.max(parameters.expiryLeadDays, 7) + 2;
  if (parameters.reenrolmentEnabled) aheadDays = Math.max(aheadDays, Math.ceil((1 - parameters.reenrolmentFraction) * LSC_VALIDITY_DAYS.max) + 1);
  const windowEnd = new Date(now.getTime() + aheadDays * DAY_MS).toISOString();
  const ranges: Array<[CertificateState, string]> = [
    ['issued', windowEnd],
    ['installed', windowEnd],
    ['expired', LATEST],
    ['superseded', LATEST],
    ['abandoned', LATEST],
    ['deleted', LATEST],
  ];
  const lists = await Promise.all(ranges.map(([state, to]) => listAllByNotAfter(issuances, state, EARLIEST, to)));
  const out: GatheredLsc[] = [];
  for (const record of lists.flat()) {
    const certificate = record.certificate;
    if (!certificate) continue;
    const state = record.state === 'issued' && asInstalled.has(keyId(record)) ? 'installed' : (record.state as CertificateState);
    out.push({
      key: { deviceName: record.deviceName, operationId: record.operationId, spkiSha256: record.spkiSha256 },
      certificate: { kind: 'lsc', device: record.deviceName, serialHex: certificate.serialHex, notBefore: certificate.notBefore, notAfter: certificate.notAfter, state: monitoredState(state) },
    });
  }
  return out;
}

function commonName(certificate: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
  return (cn ?? certificate.subject.replace(/\n/g, ', ')).slice(0, 128) || certificate.fingerprint256;
}

function fromX509(kind: 'capf-ca' | 'trust', name: string, certificate: X509Certificate): MonitoredCertificate {
  return {
    kind,
    device: name.slice(0, 128),
    serialHex: certificate.serialNumber.toLowerCase(),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
    state: 'active',
  };
}

/** The CAPF CA certificate (it signs LSCs and is the listener's TLS certificate). */
export function capfCaCertificate(certificateDer: Uint8Array): MonitoredCertificate {
  const certificate = new X509Certificate(certificateDer);
  return fromX509('capf-ca', commonName(certificate), certificate);
}

/** Every trust-store entry, named `<store>: <common name>`; the CAPF CA itself is left out (monitored as capf-ca). */
export async function gatherTrust(trust: TrustStore, capfCaSerial?: string): Promise<MonitoredCertificate[]> {
  const out: MonitoredCertificate[] = [];
  for (const entry of await trust.list()) {
    const certificate = new X509Certificate(entry.pem);
    if (capfCaSerial !== undefined && certificate.serialNumber.toLowerCase() === capfCaSerial && entry.source !== 'previous-capf-ca') continue;
    out.push(fromX509('trust', `${entry.store}: ${commonName(certificate)}`, certificate));
  }
  return out;
}
