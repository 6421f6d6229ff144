// `capf report expiry` and GET /v1/reports/expiry (F19): the LSCs (through the certificates' notAfter index, no scan)
// and the CAPF CA certificate expiring within a span, expired ones included: device, serial, notAfter, days left, state.
import { DAY_MS } from '../monitor/index.ts';
import { withDevicesStates } from '../domain/certificate-states.ts';
import type { CertificateState, DeviceStore, IssuanceStore } from '../ports/index.ts';
import { capfCaCertificate, listAllByNotAfter } from './gather.ts';

export const REPORT_STATES: readonly CertificateState[] = ['issued', 'installed', 'abandoned', 'superseded', 'deleted', 'revoked', 'expired'];
const EARLIEST = '2000-01-01T00:00:00.000Z';
/** The widest span a report covers. */
export const MAX_REPORT_SPAN_MS = 3650 * DAY_MS;

export interface ExpiryRow {
  kind: 'lsc' | 'capf-ca';
  device: string;
  serialHex: string;
  notAfter: string;
  /** Days left, two decimals; negative when expired. */
  daysLeft: number;
  state: string;
}

export interface ExpiryReportInput {
  issuances: IssuanceStore;
  /** The devices, to read an issued record a device names as installed (issue 16: its current LSC). */
  devices: Pick<DeviceStore, 'getMany'>;
  /** The CAPF CA certificate, when the caller can read it. */
  capfCertificateDer?: Uint8Array;
  withinMs: number;
  now: Date;
}

function daysLeft(notAfter: string, now: Date): number {
  return Math.round(((Date.parse(notAfter) - now.getTime()) / DAY_MS) * 100) / 100;
}

/** The rows, soonest expiry first. */
export async function expiryReport(input: ExpiryReportInput): Promise<ExpiryRow[]> {
  const { now } = input;
  const to = new Date(now.getTime() + input.withinMs).toISOString();
  const rows: ExpiryRow[] = [];
  for (const state of REPORT_STATES) {
    const records = await listAllByNotAfter(input.issuances, state, EARLIEST, to);
    for (const record of state === 'issued' ? await withDevicesStates(input.devices, records) : records) {
      const certificate = record.certificate;
      if (!certificate) continue;
      rows.push({ kind: 'lsc', device: record.deviceName, serialHex: certificate.serialHex, notAfter: certificate.notAfter, daysLeft: daysLeft(certificate.notAfter, now), state: record.state });
    }
  }
  if (input.capfCertificateDer) {
    const capf = capfCaCertificate(input.capfCertificateDer);
    if (capf.notAfter <= to) rows.push({ kind: 'capf-ca', device: capf.device, serialHex: capf.serialHex, notAfter: capf.notAfter, daysLeft: daysLeft(capf.notAfter, now), state: 'active' });
  }
  return rows.sort((a, b) => a.notAfter.localeCompare(b.notAfter) || a.device.localeCompare(b.device));
}
