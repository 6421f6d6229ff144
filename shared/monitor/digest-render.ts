// The digest's plain-text and HTML bodies. Both say the same things in the same order: notices by level (most urgent
// first), devices armed for re-enrolment, LSCs revoked, what to do, and when the next check runs.
import type { CertificateKind } from './certificates.ts';
import { DIGEST_LIST_LIMIT, nextSteps, plural, type DigestRow, type DigestSections } from './digest-sections.ts';
import type { RevocationCause } from './revocation.ts';

export const KIND_LABELS: Readonly<Record<CertificateKind, string>> = {
  lsc: 'LSC',
  'capf-ca': 'CAPF certificate',
  tls: 'TLS certificate',
  trust: 'CAPF-trust certificate',
};

const CAUSE_TEXT: Readonly<Record<RevocationCause, string>> = {
  expired: 'expired',
  superseded: 'replaced by a newer LSC',
  abandoned: 'issued but never installed',
  deleted: 'deleted from the phone, or its device deleted',
};

/** `2031-03-04 05:06 UTC` */
export function utcMinute(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `in 6 days`, `in 5 hours`, `2 days ago`, `3 hours ago` (whole units, rounded towards now). */
export function relativeTime(daysLeft: number): string {
  const days = Math.abs(daysLeft);
  const amount = days >= 1 ? plural(Math.floor(days), 'day') : plural(Math.max(daysLeft > 0 ? 1 : 0, Math.floor(days * 24)), 'hour');
  return daysLeft > 0 ? `in ${amount}` : `${amount} ago`;
}

function noticeLine(row: DigestRow): string {
  const verb = row.daysLeft > 0 ? 'expires' : 'expired';
  return `${KIND_LABELS[row.kind]} ${row.device}, serial ${row.serialHex}: ${verb} ${utcMinute(row.notAfter)} (${relativeTime(row.daysLeft)})`;
}

function intro(sections: DigestSections): string {
  return `Notices start ${plural(sections.leadDays, 'day')} before a certificate expires; each certificate is reported once per level (${sections.leadDays} days, 7 days, 1 day, expired).`;
}

const ARMED_TITLE = 'Re-enrolment armed: install/upgrade with LSC authentication at the next CAPF session';

function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}

function footer(sections: DigestSections): string | undefined {
  const schedule = sections.schedule;
  return schedule ? `Next check: ${utcMinute(schedule.nextRunAt.toISOString())} (${schedule.frequency}).` : undefined;
}

export function renderText(sections: DigestSections): string {
  const lines = [`CAPF certificate digest: cluster ${sections.cluster}, ${utcMinute(sections.generatedAt)}`, intro(sections)];
  const more = (total: number) => (total > DIGEST_LIST_LIMIT ? [`  ... and ${total - DIGEST_LIST_LIMIT} more`] : []);
  for (const level of sections.levels) {
    lines.push('', `${level.title} (${level.total})`, ...level.rows.map((row) => `  - ${noticeLine(row)}`), ...more(level.total));
  }
  if (sections.armed.total) {
    lines.push('', `${ARMED_TITLE} (${sections.armed.total})`);
    for (const row of sections.armed.rows) lines.push(`  - ${row.device}: LSC serial ${row.serialHex}, ${percent(row.elapsed)} of its lifetime used, expires ${utcMinute(row.notAfter)}`);
    lines.push(...more(sections.armed.total));
  }
  if (sections.revoked.total) {
    lines.push('', `LSCs revoked (${sections.revoked.total})`);
    for (const row of sections.revoked.rows) lines.push(`  - ${row.device}: LSC serial ${row.serialHex}, ${CAUSE_TEXT[row.cause]} (CRL reason ${row.reason})`);
    lines.push(...more(sections.revoked.total));
  }
  lines.push('', 'What to do', ...nextSteps(sections).map((step) => `  - ${step}`));
  const last = footer(sections);
  if (last) lines.push('', last);
  return `${lines.join('\n')}\n`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function table(headings: string[], rows: string[][], total: number): string {
  const head = `<tr>${headings.map((h) => `<th align="left">${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  const more = total > rows.length ? `\n<p>... and ${total - rows.length} more</p>` : '';
  return `<table cellpadding="4" cellspacing="0" border="1">\n${head}\n${body}\n</table>${more}`;
}

export function renderHtml(sections: DigestSections, subject: string): string {
  const parts = [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: sans-serif">',
    `<h2>CAPF certificate digest: cluster ${escapeHtml(sections.cluster)}</h2>`,
    `<p>${escapeHtml(utcMinute(sections.generatedAt))}. ${escapeHtml(intro(sections))}</p>`,
  ];
  for (const level of sections.levels) {
    const rows = level.rows.map((row) => [KIND_LABELS[row.kind], row.device, row.serialHex, utcMinute(row.notAfter), relativeTime(row.daysLeft)]);
    parts.push(`<h3>${escapeHtml(level.title)} (${level.total})</h3>`, table(['Certificate', 'Name', 'Serial', 'Not after', 'When'], rows, level.total));
  }
  if (sections.armed.total) {
    const rows = sections.armed.rows.map((row) => [row.device, row.serialHex, percent(row.elapsed), utcMinute(row.notAfter)]);
    parts.push(`<h3>${escapeHtml(ARMED_TITLE)} (${sections.armed.total})</h3>`, table(['Device', 'LSC serial', 'Lifetime used', 'Not after'], rows, sections.armed.total));
  }
  if (sections.revoked.total) {
    const rows = sections.revoked.rows.map((row) => [row.device, row.serialHex, CAUSE_TEXT[row.cause], row.reason]);
    parts.push(`<h3>LSCs revoked (${sections.revoked.total})</h3>`, table(['Device', 'LSC serial', 'Why', 'CRL reason'], rows, sections.revoked.total));
  }
  parts.push('<h3>What to do</h3>', `<ul>\n${nextSteps(sections).map((step) => `<li>${escapeHtml(step)}</li>`).join('\n')}\n</ul>`);
  const last = footer(sections);
  if (last) parts.push(`<p>${escapeHtml(last)}</p>`);
  parts.push('</body></html>');
  return `${parts.join('\n')}\n`;
}
