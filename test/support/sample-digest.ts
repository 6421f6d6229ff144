// A realistic digest for the notifier tests: LSCs at 30, 7, 1 and -1 days, a CAPF-trust certificate with a non-ASCII
// name and HTML-like characters, and re-enrolment and revocation sections, built by shared/monitor.
import { buildDigest, dueNotices, reenrolmentDue, revocationsDue, type Digest, type MonitoredCertificate } from '../../shared/monitor/index.ts';
import type { NotificationMessage } from '../../shared/notify/index.ts';

const DAY = 86_400_000;

export function sampleDigest(now = new Date()): Digest {
  const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
  const lsc = (days: number, i: number): MonitoredCertificate => ({ kind: 'lsc', device: `SEP0011223344${i}${i}`, serialHex: `7f3a00c1${i}`, notBefore: at(days - 365), notAfter: at(days), state: 'installed' });
  const certificates: MonitoredCertificate[] = [
    lsc(30, 1),
    lsc(7, 2),
    lsc(1, 3),
    lsc(-1, 4),
    { kind: 'trust', device: 'Zertifizierungsstelle Müller <Labor> & Söhne', serialHex: '0a', notBefore: at(-3000), notAfter: at(5), state: 'active' },
  ];
  const digest = buildDigest({
    clusterName: 'lab',
    now,
    leadDays: 30,
    notices: dueNotices(certificates, { now }),
    armed: reenrolmentDue(certificates, { now }),
    revoked: revocationsDue(certificates, now),
  });
  if (!digest) throw new Error('the sample certificates must produce a digest');
  return digest;
}

export function sampleMessage(recipients: string[], now?: Date): { digest: Digest; message: NotificationMessage } {
  const digest = sampleDigest(now);
  return { digest, message: { subject: digest.subject, text: digest.text, html: digest.html, json: digest.json, recipients } };
}
