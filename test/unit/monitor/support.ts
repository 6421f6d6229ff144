// Certificates for the shared/monitor tests, placed relative to a fixed run time.
import type { CertificateKind, CertificateState, MonitoredCertificate } from '../../../shared/monitor/index.ts';

export const NOW = new Date('2031-03-04T05:06:07Z');
export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** An ISO time `days` after NOW (negative: before). */
export function inDays(days: number, from: Date = NOW): string {
  return new Date(from.getTime() + days * DAY).toISOString();
}

let serial = 0x1000;

/** A certificate expiring `days` after NOW, issued `lifetimeDays` before that. */
export function certificate(days: number, overrides: Partial<MonitoredCertificate> & { lifetimeDays?: number } = {}): MonitoredCertificate {
  const { lifetimeDays = 365, ...rest } = overrides;
  serial += 1;
  return {
    kind: 'lsc' as CertificateKind,
    device: `SEP${serial.toString(16).toUpperCase().padStart(12, '0')}`,
    serialHex: serial.toString(16),
    notBefore: inDays(days - lifetimeDays),
    notAfter: inDays(days),
    state: 'installed' as CertificateState,
    ...rest,
  };
}

/** The five certificates the issue names: 40, 30, 7, 1 days left and expired a day ago. */
export function issueSet(): MonitoredCertificate[] {
  return [40, 30, 7, 1, -1].map((days) => certificate(days, { device: `SEP00000000${String(days + 100).padStart(4, '0')}` }));
}
