// The digest: one message per monitor run per recipient, as a subject, a plain-text body, a small HTML body and a JSON
// document (the SNS message). docs/expiry-monitoring.md describes the formats.
import { renderHtml, renderText } from './digest-render.ts';
import { digestSections, nextSteps, type DigestInput, type DigestRow, type DigestSections } from './digest-sections.ts';
import type { NoticeLevel } from './notices.ts';
import type { ReenrolmentCandidate } from './reenrolment.ts';
import type { RevocationDue } from './revocation.ts';
import type { RunSchedule } from './schedule.ts';

/** SNS subjects are at most 100 ASCII characters; we use the same subject for email. */
export const DIGEST_SUBJECT_MAX = 100;

export interface DigestDocument {
  version: '1.0';
  source: 'custom';
  id: string;
  content: { textType: 'client-markdown'; title: string; description: string; nextSteps: string[] };
  metadata: { eventType: 'CapfExpiryDigest'; summary: string; additionalContext: Record<string, string> };
  digest: {
    schema: 'capf.expiry-digest.v1';
    cluster: string;
    generatedAt: string;
    leadDays: number;
    totals: Record<string, number>;
    notices: Array<DigestRow & { level: NoticeLevel }>;
    armed: ReenrolmentCandidate[];
    revoked: RevocationDue[];
    truncated: boolean;
    nextRunAt?: string;
    frequency?: RunSchedule['frequency'];
  };
}

export interface Digest {
  subject: string;
  text: string;
  html: string;
  json: DigestDocument;
}

/** E.g. `[CAPF lab] 1 expired, 2 within 1 day, 3 within 30 days, 4 re-enrolling, 5 revoked`; at most 100 characters. */
function subjectOf(sections: DigestSections): string {
  const count = (level: NoticeLevel) => sections.levels.find((l) => l.level === level)?.total ?? 0;
  const expired = count('expired');
  const lastDay = count('1d');
  const later = sections.levels.reduce((sum, l) => sum + l.total, 0) - expired - lastDay;
  const parts = [
    expired ? `${expired} expired` : '',
    lastDay ? `${lastDay} within 1 day` : '',
    later ? `${later} within ${sections.leadDays} days` : '',
    sections.armed.total ? `${sections.armed.total} re-enrolling` : '',
    sections.revoked.total ? `${sections.revoked.total} revoked` : '',
  ].filter(Boolean);
  const subject = `[CAPF ${sections.cluster}] Certificates: ${parts.join(', ')}`;
  return subject.length <= DIGEST_SUBJECT_MAX ? subject : `${subject.slice(0, DIGEST_SUBJECT_MAX - 3)}...`;
}

function documentOf(sections: DigestSections, subject: string, text: string): DigestDocument {
  const notices = sections.levels.flatMap((l) => l.rows.map((row) => ({ level: l.level, ...row })));
  const totals: Record<string, number> = Object.fromEntries(sections.levels.map((l) => [l.level, l.total]));
  totals.armed = sections.armed.total;
  totals.revoked = sections.revoked.total;
  const truncated = sections.levels.some((l) => l.total > l.rows.length) || sections.armed.total > sections.armed.rows.length || sections.revoked.total > sections.revoked.rows.length;
  // The chat description repeats the text body's first lines; chat clients show a short message best.
  const description = text.split('\n').slice(0, 25).join('\n');
  return {
    version: '1.0',
    source: 'custom',
    id: `capf-expiry/${sections.cluster}/${sections.generatedAt}`,
    content: { textType: 'client-markdown', title: subject, description, nextSteps: nextSteps(sections) },
    metadata: {
      eventType: 'CapfExpiryDigest',
      summary: subject,
      additionalContext: { cluster: sections.cluster, generatedAt: sections.generatedAt, leadDays: String(sections.leadDays) },
    },
    digest: {
      schema: 'capf.expiry-digest.v1',
      cluster: sections.cluster,
      generatedAt: sections.generatedAt,
      leadDays: sections.leadDays,
      totals,
      notices,
      armed: sections.armed.rows,
      revoked: sections.revoked.rows,
      truncated,
      ...(sections.schedule ? { nextRunAt: sections.schedule.nextRunAt.toISOString(), frequency: sections.schedule.frequency } : {}),
    },
  };
}

/** The digest for one recipient, or undefined when there is nothing to tell (no notice, nothing armed or revoked). */
export function buildDigest(input: DigestInput): Digest | undefined {
  const sections = digestSections(input);
  if (sections.levels.length === 0 && sections.armed.total === 0 && sections.revoked.total === 0) return undefined;
  const subject = subjectOf(sections);
  const text = renderText(sections);
  return { subject, text, html: renderHtml(sections, subject), json: documentOf(sections, subject, text) };
}
