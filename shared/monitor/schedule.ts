// How often the monitor runs: daily, and hourly while a certificate in service is within a day of its expiry (either
// side), so the last-day and expired notices, and the revocation of an expired LSC, come within the hour.
import { checkCertificate, checkNow, DAY_MS, HOUR_MS, inService, type MonitoredCertificate } from './certificates.ts';

export type RunFrequency = 'hourly' | 'daily';

export interface RunSchedule {
  frequency: RunFrequency;
  /** When the next run should start: an hour from now (hourly), or a day from now unless a certificate in service
   *  enters its last day sooner, in which case that moment (so the switch to hourly is not up to a day late). */
  nextRunAt: Date;
  /** Why, for the log and the digest: the certificate that made it hourly, or the next one to enter its last day. */
  reason: string;
}

function describe(certificate: MonitoredCertificate): string {
  return `${certificate.kind} ${certificate.device} (serial ${certificate.serialHex}) expires ${certificate.notAfter}`;
}

/**
 * The schedule after a run at `now`. Hourly while any certificate in service (installed or active) has its notAfter
 * within one day of now, before or after; daily otherwise. Only the day after expiry counts, so a long-expired
 * trust certificate someone keeps on purpose does not keep the monitor hourly for ever.
 */
export function monitorSchedule(certificates: readonly MonitoredCertificate[], now: Date): RunSchedule {
  const nowMs = checkNow(now);
  let urgent: MonitoredCertificate | undefined;
  let next: { at: number; certificate: MonitoredCertificate } | undefined;
  for (const certificate of certificates) {
    const { notAfterMs } = checkCertificate(certificate);
    if (!inService(certificate)) continue;
    if (Math.abs(notAfterMs - nowMs) <= DAY_MS) {
      urgent ??= certificate;
      continue;
    }
    const lastDayStarts = notAfterMs - DAY_MS;
    if (lastDayStarts > nowMs && (!next || lastDayStarts < next.at)) next = { at: lastDayStarts, certificate };
  }
  if (urgent) return { frequency: 'hourly', nextRunAt: new Date(nowMs + HOUR_MS), reason: `${describe(urgent)}: within a day of its expiry` };
  if (next && next.at < nowMs + DAY_MS) {
    return { frequency: 'daily', nextRunAt: new Date(next.at), reason: `${describe(next.certificate)}: its last day starts before the next daily run` };
  }
  return { frequency: 'daily', nextRunAt: new Date(nowMs + DAY_MS), reason: 'no certificate in service is within a day of its expiry' };
}
