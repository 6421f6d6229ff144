// The digest in its three formats (text, HTML, JSON) for the issue's 40/30/7/1/-1-day certificates, escaping, the
// list limit, and the size bound of the SNS document. Then a month of monitor runs, simulated with the pure rules:
// the right notices at the right frequency and no duplicates.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildDigest,
  DIGEST_LIST_LIMIT,
  DIGEST_SUBJECT_MAX,
  dueNotices,
  monitorSchedule,
  reenrolmentDue,
  revocationsDue,
  unsentNotices,
  type MonitoredCertificate,
} from '../../../shared/monitor/index.ts';
import { certificate, DAY, issueSet, NOW } from './support.ts';

function issueDigest() {
  const certificates = issueSet();
  return buildDigest({
    clusterName: 'lab',
    now: NOW,
    leadDays: 30,
    notices: dueNotices(certificates, { now: NOW }),
    armed: reenrolmentDue(certificates, { now: NOW }).slice(0, 1),
    revoked: revocationsDue(certificates, NOW),
    schedule: monitorSchedule(certificates, NOW),
  })!;
}

describe('buildDigest', () => {
  it('subject: the counts by urgency, ASCII, within the SNS limit', () => {
    const digest = issueDigest();
    expect(digest.subject).toBe('[CAPF lab] Certificates: 1 expired, 1 within 1 day, 2 within 30 days, 1 re-enrolling, 1 revoked');
    expect(digest.subject.length).toBeLessThanOrEqual(DIGEST_SUBJECT_MAX);
  });

  it('text: one section per level, most urgent first, then re-enrolment, revocations, advice and the next check', () => {
    const text = issueDigest().text;
    const headings = text.split('\n').filter((line) => /^\S/.test(line));
    expect(headings).toEqual([
      'CAPF certificate digest: cluster lab, 2031-03-04 05:06 UTC',
      'Notices start 30 days before a certificate expires; each certificate is reported once per level (30 days, 7 days, 1 day, expired).',
      'Expired (1)',
      'Expiring within 1 day (1)',
      'Expiring within 7 days (1)',
      'Expiring within 30 days (1)',
      'Re-enrolment armed: install/upgrade with LSC authentication at the next CAPF session (1)',
      'LSCs revoked (1)',
      'What to do',
      'Next check: 2031-03-04 06:06 UTC (hourly).',
    ]);
    expect(text).toMatch(/ {2}- LSC SEP000000000099, serial [0-9a-f]+: expired 2031-03-03 05:06 UTC \(1 day ago\)/);
    expect(text).toMatch(/ {2}- LSC SEP000000000101, serial [0-9a-f]+: expires 2031-03-05 05:06 UTC \(in 1 day\)/);
    expect(text).toMatch(/ {2}- LSC SEP000000000107, serial [0-9a-f]+: expires 2031-03-11 05:06 UTC \(in 7 days\)/);
    expect(text).toMatch(/ {2}- LSC SEP000000000130, serial [0-9a-f]+: expires 2031-04-03 05:06 UTC \(in 30 days\)/);
    expect(text).not.toContain('SEP000000000140');
    expect(text).toMatch(/ {2}- SEP000000000099: LSC serial [0-9a-f]+, expired \(CRL reason cessationOfOperation\)/);
    expect(text).toContain('capf device set <device> --operation install --auth-mode lsc-precedence');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('HTML: the same sections as tables, everything escaped', () => {
    const trust = certificate(3, { kind: 'trust', state: 'active', device: '<script>alert("x")</script> & Co' });
    const digest = buildDigest({ clusterName: 'lab', now: NOW, leadDays: 30, notices: dueNotices([trust, ...issueSet()], { now: NOW }) })!;
    expect(digest.html).toMatch(/^<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>\[CAPF lab\] Certificates: 1 expired, 1 within 1 day, 3 within 30 days<\/title>/);
    expect(digest.html).toContain('<td>CAPF-trust certificate</td><td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</td>');
    expect(digest.html).not.toContain('<script>');
    expect([...digest.html.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1])).toEqual(['Expired (1)', 'Expiring within 1 day (1)', 'Expiring within 7 days (2)', 'Expiring within 30 days (1)', 'What to do']);
    expect(digest.text).toContain('Replace or remove the expiring CAPF-trust certificate');
  });

  it('JSON: a custom-notification envelope around the structured digest', () => {
    const { json, subject } = issueDigest();
    expect(json).toMatchObject({ version: '1.0', source: 'custom', id: 'capf-expiry/lab/2031-03-04T05:06:07.000Z', content: { textType: 'client-markdown', title: subject }, metadata: { eventType: 'CapfExpiryDigest' } });
    expect(json.digest).toMatchObject({ schema: 'capf.expiry-digest.v1', cluster: 'lab', leadDays: 30, truncated: false, frequency: 'hourly', nextRunAt: '2031-03-04T06:06:07.000Z' });
    expect(json.digest.totals).toEqual({ expired: 1, '1d': 1, '7d': 1, '30d': 1, armed: 1, revoked: 1 });
    expect(json.digest.notices.map((n) => [n.level, n.device, n.daysLeft])).toEqual([
      ['expired', 'SEP000000000099', -1],
      ['1d', 'SEP000000000101', 1],
      ['7d', 'SEP000000000107', 7],
      ['30d', 'SEP000000000130', 30],
    ]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json); // plain data: what SNS carries is what we built
  });

  it('is undefined when there is nothing to tell', () => {
    expect(buildDigest({ clusterName: 'lab', now: NOW, leadDays: 30, notices: [] })).toBeUndefined();
  });

  it(`lists at most ${DIGEST_LIST_LIMIT} rows per section and counts the rest`, () => {
    const many = Array.from({ length: DIGEST_LIST_LIMIT + 23 }, () => certificate(5));
    const digest = buildDigest({ clusterName: 'lab', now: NOW, leadDays: 30, notices: dueNotices(many, { now: NOW }) })!;
    expect(digest.text).toContain(`Expiring within 7 days (${DIGEST_LIST_LIMIT + 23})`);
    expect(digest.text).toContain('  ... and 23 more');
    expect(digest.html).toContain('<p>... and 23 more</p>');
    expect(digest.json.digest.notices).toHaveLength(DIGEST_LIST_LIMIT);
    expect(digest.json.digest.totals['7d']).toBe(DIGEST_LIST_LIMIT + 23);
    expect(digest.json.digest.truncated).toBe(true);
  });

  it('property: the SNS document stays under 256 KiB and the subject under 100 ASCII characters, whatever the content', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), fc.string({ minLength: 1, maxLength: 40 }), (noticeCount, armedCount, cluster) => {
        const longName = (i: number) => `${'N'.repeat(120)}${i}`.slice(0, 128);
        const list = Array.from({ length: noticeCount }, (_, i) => certificate((i % 40) - 5, { device: longName(i), serialHex: 'f'.repeat(40), kind: i % 2 ? 'trust' : 'lsc', state: i % 2 ? 'active' : 'installed' }));
        const armed = Array.from({ length: armedCount }, (_, i) => ({ device: longName(i), serialHex: 'f'.repeat(40), notAfter: NOW.toISOString(), elapsed: 0.7 }));
        const revoked = armed.map((a) => ({ device: a.device, serialHex: a.serialHex, cause: 'superseded' as const, reason: 'superseded' as const }));
        const clusterName = /[A-Za-z0-9._-]/.test(cluster) ? cluster : 'x';
        const digest = buildDigest({ clusterName, now: NOW, leadDays: 45, notices: dueNotices(list, { now: NOW, leadDays: 45 }), armed, revoked });
        if (!digest) return;
        expect(Buffer.byteLength(JSON.stringify(digest.json))).toBeLessThan(256 * 1024);
        expect(digest.subject.length).toBeLessThanOrEqual(DIGEST_SUBJECT_MAX);
        expect(digest.subject).toMatch(/^[\x20-\x7e]+$/);
      }),
      { numRuns: 40 },
    );
  });
});

describe('a month of monitor runs (pure simulation of the schedule and dedupe)', () => {
  it('certificates at 40, 30, 7, 1 and -1 days: each recipient is told once per level, hourly only in the last day', () => {
    let certificates: MonitoredCertificate[] = issueSet();
    const recipients = ['ops@example.com', 'topic:capf-alerts'];
    const sent = new Set<string>();
    const told: string[] = [];
    const runs: Array<{ day: number; frequency: string }> = [];
    let now = NOW;
    while (now.getTime() < NOW.getTime() + 45 * DAY) {
      // Notices first, so an LSC's expiry is reported in the run that revokes it; then the revocations.
      const due = dueNotices(certificates, { now });
      for (const recipient of recipients) {
        const fresh = unsentNotices(due, recipient, (key) => sent.has(key));
        fresh.keys.forEach((key) => sent.add(key));
        for (const notice of fresh.notices) told.push(`${recipient} day ${(now.getTime() - NOW.getTime()) / DAY} ${notice.certificate.device} ${notice.level}`);
      }
      const revoked = new Set(revocationsDue(certificates, now).map((r) => r.serialHex));
      certificates = certificates.map((c) => (revoked.has(c.serialHex) ? { ...c, state: 'revoked' } : c));
      const schedule = monitorSchedule(certificates, now);
      runs.push({ day: (now.getTime() - NOW.getTime()) / DAY, frequency: schedule.frequency });
      now = schedule.nextRunAt;
    }
    const forOps = told.filter((line) => line.startsWith('ops@')).map((line) => line.slice('ops@example.com '.length));
    expect(forOps).toEqual([
      // The first run: each certificate at the level it has reached (40 days is beyond the lead time).
      'day 0 SEP000000000099 expired',
      'day 0 SEP000000000101 1d',
      'day 0 SEP000000000107 7d',
      'day 0 SEP000000000130 30d',
      // Then each certificate in the run where it enters the next level: never late, never twice.
      'day 1 SEP000000000101 expired',
      'day 6 SEP000000000107 1d',
      'day 7 SEP000000000107 expired',
      'day 10 SEP000000000140 30d',
      'day 23 SEP000000000130 7d',
      'day 29 SEP000000000130 1d',
      'day 30 SEP000000000130 expired',
      'day 33 SEP000000000140 7d',
      'day 39 SEP000000000140 1d',
      'day 40 SEP000000000140 expired',
    ]);
    expect(told.filter((line) => line.startsWith('topic:')).map((line) => line.slice('topic:capf-alerts '.length))).toEqual(forOps);
    // Hourly through each LSC's last day (24 runs each, until it expires and is revoked), daily otherwise.
    const hourly = runs.filter((r) => r.frequency === 'hourly');
    expect(hourly).toHaveLength(4 * 24);
    for (const run of hourly) expect([0, 6, 29, 39].some((start) => run.day >= start && run.day < start + 1)).toBe(true);
    expect(runs.filter((r) => r.frequency === 'daily').map((r) => r.day)).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30, 31, 32, 33, 34, 35, 36, 37, 38, 40, 41, 42, 43, 44]);
  });
});
