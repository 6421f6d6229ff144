// Which certificates are due for an expiry notice, at which level, and the key that keeps a recipient from being told
// twice about the same certificate at the same level (docs/expiry-monitoring.md, "Notice levels").
import { LEAD_TIME_DAYS } from '../domain/parameters.ts';
import { ValidationError } from '../errors.ts';
import { checkCertificate, checkNow, compareText, daysLeft, inService, type CheckedCertificate, type MonitoredCertificate } from './certificates.ts';

/** The lead time: how many days before expiry the first notice goes out (service parameter; its bounds live with the
 *  other parameters in shared/domain/parameters.ts). */
export { LEAD_TIME_DAYS };

/** `<n>d`: the certificate expires within n days; `expired`: it has expired. */
export type NoticeLevel = `${number}d` | 'expired';

/** Fixed levels below the lead time: a week, and the last day. */
const FIXED_LEVEL_DAYS = [7, 1] as const;

export interface Notice {
  certificate: MonitoredCertificate;
  level: NoticeLevel;
  /** Fractional days until notAfter; zero or negative once expired. */
  daysLeft: number;
}

export function checkLeadDays(leadDays: number): number {
  if (!Number.isInteger(leadDays) || leadDays < LEAD_TIME_DAYS.min || leadDays > LEAD_TIME_DAYS.max) {
    throw new ValidationError(`the notice lead time must be a whole number of days from ${LEAD_TIME_DAYS.min} to ${LEAD_TIME_DAYS.max}, not ${leadDays}`, 'INVALID_MONITOR_OPTIONS');
  }
  return leadDays;
}

/** The day thresholds for a lead time, largest first: 30 → [30, 7, 1]; 7 → [7, 1]; 3 → [3, 1]; 1 → [1]. */
export function levelThresholds(leadDays: number): number[] {
  checkLeadDays(leadDays);
  return [leadDays, ...FIXED_LEVEL_DAYS.filter((days) => days < leadDays)];
}

/** Every level a certificate passes through, in order: e.g. 30d, 7d, 1d, expired. */
export function noticeLevels(leadDays: number): NoticeLevel[] {
  return [...levelThresholds(leadDays).map((days): NoticeLevel => `${days}d`), 'expired'];
}

/** The level a certificate with `days` left has reached, or undefined while it is further away than the lead time. */
export function noticeLevel(days: number, leadDays: number): NoticeLevel | undefined {
  return levelAmong(days, levelThresholds(leadDays));
}

function levelAmong(days: number, thresholds: readonly number[]): NoticeLevel | undefined {
  if (days <= 0) return 'expired';
  for (let i = thresholds.length - 1; i >= 0; i--) {
    if (days <= thresholds[i]!) return `${thresholds[i]!}d`;
  }
  return undefined;
}

export interface NoticeOptions {
  now: Date;
  /** Default LEAD_TIME_DAYS.default (30). */
  leadDays?: number;
}

/** Orders notices most urgent first: by notAfter, then kind, name and serial (stable, so digests are reproducible). */
function byUrgency(a: Notice & { checked: CheckedCertificate }, b: Notice & { checked: CheckedCertificate }): number {
  return (
    a.checked.notAfterMs - b.checked.notAfterMs ||
    compareText(a.certificate.kind, b.certificate.kind) ||
    compareText(a.certificate.device, b.certificate.device) ||
    compareText(a.checked.serial, b.checked.serial)
  );
}

/**
 * The in-service certificates (installed LSCs, active CAPF/TLS/trust certificates) within the lead time or expired,
 * each with the level it has reached, most urgent first. ValidationError for a bad record or option.
 */
export function dueNotices(certificates: readonly MonitoredCertificate[], options: NoticeOptions): Notice[] {
  const nowMs = checkNow(options.now);
  const thresholds = levelThresholds(options.leadDays ?? LEAD_TIME_DAYS.default);
  const due: Array<Notice & { checked: CheckedCertificate }> = [];
  for (const certificate of certificates) {
    const checked = checkCertificate(certificate);
    if (!inService(certificate)) continue;
    const days = daysLeft(checked, nowMs);
    const level = levelAmong(days, thresholds);
    if (level) due.push({ certificate, level, daysLeft: days, checked });
  }
  return due.sort(byUrgency).map(({ certificate, level, daysLeft: days }) => ({ certificate, level, daysLeft: days }));
}

/** An email address (case-insensitive) or `topic:<ARN or name>`; at most 256 characters. */
export function normaliseRecipient(recipient: string): string {
  const trimmed = typeof recipient === 'string' ? recipient.trim() : '';
  if (trimmed.length === 0 || trimmed.length > 256 || /[\p{Cc}\s]/u.test(trimmed)) {
    throw new ValidationError(`notice recipient ${JSON.stringify(String(recipient).slice(0, 80))} is not an email address or topic`, 'INVALID_RECIPIENT');
  }
  return trimmed.startsWith('topic:') ? trimmed : trimmed.toLowerCase();
}

/**
 * The dedupe key of one notice for one recipient: recipient, kind, name, serial and level. The monitor records it
 * when the notice went out and leaves out every notice whose key it has already recorded. A renewed certificate has
 * another serial, so it starts again from the first level; a changed lead time makes new levels, which are new keys.
 */
export function noticeKey(recipient: string, notice: Notice): string {
  const { kind, device, serialHex } = notice.certificate;
  return JSON.stringify([normaliseRecipient(recipient), kind, device, serialHex.toLowerCase().replace(/^0+(?=.)/, ''), notice.level]);
}

/** The notices `recipient` has not been told about yet, and the keys to record once they are sent. */
export function unsentNotices(notices: readonly Notice[], recipient: string, alreadySent: (key: string) => boolean): { notices: Notice[]; keys: string[] } {
  const out: { notices: Notice[]; keys: string[] } = { notices: [], keys: [] };
  for (const notice of notices) {
    const key = noticeKey(recipient, notice);
    if (alreadySent(key)) continue;
    out.notices.push(notice);
    out.keys.push(key);
  }
  return out;
}
