// The content of a digest, computed once per recipient and rendered by digest-render.ts (text, HTML) and digest.ts
// (subject, JSON document).
import { ValidationError } from '../errors.ts';
import { checkNow, type MonitoredCertificate } from './certificates.ts';
import { checkLeadDays, noticeLevels, type Notice, type NoticeLevel } from './notices.ts';
import type { ReenrolmentCandidate } from './reenrolment.ts';
import type { RevocationDue } from './revocation.ts';
import type { RunSchedule } from './schedule.ts';

/** Rows listed per section in every format; the rest is counted ("and 120 more"). Keeps the SNS message far below
 *  its 256 KiB limit and an email readable; `capf report expiry` lists everything. */
export const DIGEST_LIST_LIMIT = 100;

export interface DigestInput {
  /** Tells clusters apart in subjects (e.g. `lab`, `prod`); letters, digits, `.`, `_`, `-`; cut to 24 characters. */
  clusterName: string;
  now: Date;
  leadDays: number;
  /** This recipient's notices not sent before (unsentNotices), most urgent first (dueNotices' order). */
  notices: readonly Notice[];
  /** Devices this run armed for re-enrolment. */
  armed?: readonly ReenrolmentCandidate[];
  /** LSCs this run revoked. */
  revoked?: readonly RevocationDue[];
  /** The schedule after this run (monitorSchedule), shown at the end. */
  schedule?: RunSchedule;
}

export interface DigestRow {
  kind: MonitoredCertificate['kind'];
  device: string;
  serialHex: string;
  notAfter: string;
  /** Rounded to two decimals; negative once expired. */
  daysLeft: number;
}

export interface DigestSections {
  cluster: string;
  generatedAt: string;
  leadDays: number;
  /** Most urgent level first: expired, 1d, 7d, then the lead time. Empty levels are left out. */
  levels: Array<{ level: NoticeLevel; title: string; total: number; rows: DigestRow[] }>;
  armed: { total: number; rows: ReenrolmentCandidate[] };
  revoked: { total: number; rows: RevocationDue[] };
  /** Which kinds appear in the notices, for the advice at the end. */
  kinds: Set<MonitoredCertificate['kind']>;
  schedule?: RunSchedule;
}

export function levelTitle(level: NoticeLevel): string {
  if (level === 'expired') return 'Expired';
  const days = Number.parseInt(level, 10);
  return days === 1 ? 'Expiring within 1 day' : `Expiring within ${days} days`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function clusterLabel(name: string): string {
  const cleaned = String(name).replace(/[^A-Za-z0-9._-]/g, '').slice(0, 24);
  if (!cleaned) throw new ValidationError('the digest needs a cluster name of letters, digits, dots, underscores or hyphens', 'INVALID_MONITOR_OPTIONS');
  return cleaned;
}

export function digestSections(input: DigestInput): DigestSections {
  const nowMs = checkNow(input.now);
  const leadDays = checkLeadDays(input.leadDays);
  const grouped = new Map<NoticeLevel, Notice[]>(noticeLevels(leadDays).map((level) => [level, []]));
  for (const notice of input.notices) {
    const list = grouped.get(notice.level);
    if (!list) throw new ValidationError(`notice level ${notice.level} is not one of the levels of a ${leadDays}-day lead time`, 'INVALID_MONITOR_OPTIONS');
    list.push(notice);
  }
  const levels = [...grouped]
    .reverse()
    .filter(([, notices]) => notices.length > 0)
    .map(([level, notices]) => ({
      level,
      title: levelTitle(level),
      total: notices.length,
      rows: notices.slice(0, DIGEST_LIST_LIMIT).map(({ certificate, daysLeft }) => ({
        kind: certificate.kind,
        device: certificate.device,
        serialHex: certificate.serialHex,
        notAfter: certificate.notAfter,
        daysLeft: Math.round(daysLeft * 100) / 100,
      })),
    }));
  const armed = input.armed ?? [];
  const revoked = input.revoked ?? [];
  return {
    cluster: clusterLabel(input.clusterName),
    generatedAt: new Date(nowMs).toISOString(),
    leadDays,
    levels,
    armed: { total: armed.length, rows: armed.slice(0, DIGEST_LIST_LIMIT) },
    revoked: { total: revoked.length, rows: revoked.slice(0, DIGEST_LIST_LIMIT) },
    kinds: new Set(input.notices.map((n) => n.certificate.kind)),
    ...(input.schedule ? { schedule: input.schedule } : {}),
  };
}

/** The advice at the end of every format, for what the digest contains. */
export function nextSteps(sections: DigestSections): string[] {
  const steps: string[] = [];
  if (sections.kinds.has('lsc')) steps.push('Renew an LSC: capf device set <device> --operation install --auth-mode lsc-precedence (the phone renews at its next CAPF session).');
  if (sections.kinds.has('capf-ca')) steps.push('Renew the CAPF certificate before it expires, and give phones and CUCM the new one (CAPF-trust) before switching.');
  if (sections.kinds.has('tls')) steps.push('Replace the TLS certificate before it expires.');
  if (sections.kinds.has('trust')) steps.push('Replace or remove the expiring CAPF-trust certificate; phones whose MIC or LSC chains to it cannot authenticate once it has expired.');
  steps.push(`Full list: capf report expiry --within ${sections.leadDays}d`);
  return steps;
}

