// Notice levels, which certificates are due, and the dedupe key: certificates at 40, 30, 7, 1 and -1 days, the
// boundaries, and a fast-check walk through time that no recipient hears twice about a certificate at one level.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import {
  dueNotices,
  noticeKey,
  noticeLevel,
  noticeLevels,
  normaliseRecipient,
  unsentNotices,
  type MonitoredCertificate,
  type NoticeLevel,
} from '../../../shared/monitor/index.ts';
import { certificate, DAY, HOUR, inDays, issueSet, NOW } from './support.ts';

describe('notice levels', () => {
  it('are the lead time, 7 days and 1 day below it, and expired', () => {
    expect(noticeLevels(30)).toEqual(['30d', '7d', '1d', 'expired']);
    expect(noticeLevels(60)).toEqual(['60d', '7d', '1d', 'expired']);
    expect(noticeLevels(7)).toEqual(['7d', '1d', 'expired']);
    expect(noticeLevels(3)).toEqual(['3d', '1d', 'expired']);
    expect(noticeLevels(1)).toEqual(['1d', 'expired']);
  });

  it('put each boundary in the lower level: exactly 30, 7 or 1 days left, and exactly at notAfter', () => {
    const cases: Array<[number, NoticeLevel | undefined]> = [
      [30 + 1 / 86_400_000, undefined],
      [30, '30d'],
      [7.0001, '30d'],
      [7, '7d'],
      [1.0001, '7d'],
      [1, '1d'],
      [0.0001, '1d'],
      [0, 'expired'],
      [-400, 'expired'],
    ];
    for (const [days, level] of cases) expect(noticeLevel(days, 30), `${days} days`).toBe(level);
  });

  it('refuse a lead time that is not a whole number of days from 1 to 365', () => {
    for (const lead of [0, -1, 366, 2.5, Number.NaN]) {
      expect(() => noticeLevels(lead)).toThrow(ValidationError);
    }
  });
});

describe('dueNotices', () => {
  it('certificates at 40, 30, 7, 1 and -1 days: all but the first are due, most urgent first, each at its level', () => {
    const notices = dueNotices(issueSet(), { now: NOW });
    expect(notices.map((n) => [n.certificate.device, n.level, Math.round(n.daysLeft)])).toEqual([
      ['SEP000000000099', 'expired', -1],
      ['SEP000000000101', '1d', 1],
      ['SEP000000000107', '7d', 7],
      ['SEP000000000130', '30d', 30],
    ]);
  });

  it('a longer lead time reaches the 40-day certificate; a 7-day one leaves the 30-day one out', () => {
    expect(dueNotices(issueSet(), { now: NOW, leadDays: 45 }).map((n) => n.level)).toEqual(['expired', '1d', '7d', '45d', '45d']);
    expect(dueNotices(issueSet(), { now: NOW, leadDays: 7 }).map((n) => n.level)).toEqual(['expired', '1d', '7d']);
  });

  it('warns only about certificates in service: installed LSCs and active CAPF, TLS and trust certificates', () => {
    const states = ['issued', 'installed', 'active', 'superseded', 'abandoned', 'deleted', 'revoked'] as const;
    const list = states.map((state) => certificate(3, { state, device: `lsc-${state}` }));
    list.push(certificate(3, { kind: 'capf-ca', state: 'active', device: 'CAPF-0a1b2c3d' }));
    list.push(certificate(3, { kind: 'trust', state: 'active', device: 'Cisco Manufacturing CA' }));
    list.push(certificate(3, { kind: 'tls', state: 'active', device: 'admin-api' }));
    expect(dueNotices(list, { now: NOW }).map((n) => n.certificate.device).sort()).toEqual(['CAPF-0a1b2c3d', 'Cisco Manufacturing CA', 'admin-api', 'lsc-active', 'lsc-installed']);
  });

  it('names the record and field of a bad certificate', () => {
    const bad = (change: Partial<MonitoredCertificate>) => () => dueNotices([certificate(3, { device: 'SEPBAD000000001', ...change })], { now: NOW });
    expect(bad({ notAfter: 'yesterday' })).toThrow(/"SEPBAD000000001": notAfter "yesterday" is not an ISO 8601 time/);
    expect(bad({ notBefore: inDays(10) })).toThrow(/notAfter is not after notBefore/);
    expect(bad({ serialHex: 'zz' })).toThrow(/serial is not hex/);
    expect(bad({ state: 'lost' as MonitoredCertificate['state'] })).toThrow(/state "lost" is not one of/);
    expect(bad({ kind: 'mic' as MonitoredCertificate['kind'] })).toThrow(/kind "mic" is not one of/);
    expect(bad({ device: 'x'.repeat(129) })).toThrow(/name must be 1–128 characters/);
    expect(() => dueNotices([], { now: new Date(Number.NaN) })).toThrow(/run time is not a valid date/);
  });
});

describe('the dedupe key', () => {
  it('differs by recipient, certificate and level, and ignores address case and serial leading zeros', () => {
    const [notice] = dueNotices([certificate(5, { serialHex: '00ab', device: 'SEP00AA00BB00CC' })], { now: NOW });
    const key = noticeKey('Admin@Example.com', notice!);
    expect(noticeKey(' admin@example.com ', { ...notice!, certificate: { ...notice!.certificate, serialHex: 'AB' } })).toBe(key);
    expect(noticeKey('other@example.com', notice!)).not.toBe(key);
    expect(noticeKey('admin@example.com', { ...notice!, level: '1d' })).not.toBe(key);
    expect(noticeKey('admin@example.com', { ...notice!, certificate: { ...notice!.certificate, serialHex: 'ac' } })).not.toBe(key);
    expect(noticeKey('topic:arn:aws:sns:eu-west-1:111111111111:capf', notice!)).toContain('topic:arn:aws:sns:eu-west-1:111111111111:capf');
    expect(() => normaliseRecipient('two words@example.com')).toThrow(ValidationError);
    expect(() => normaliseRecipient('')).toThrow(/is not an email address or topic/);
  });

  it('keeps a recipient from hearing twice about a certificate at one level across repeated runs', () => {
    const sent = new Set<string>();
    const certificates = issueSet();
    const run = (now: Date, recipient: string) => {
      const { notices, keys } = unsentNotices(dueNotices(certificates, { now }), recipient, (key) => sent.has(key));
      for (const key of keys) sent.add(key);
      return notices.map((n) => `${n.certificate.device} ${n.level}`);
    };
    expect(run(NOW, 'a@example.com')).toHaveLength(4);
    expect(run(new Date(NOW.getTime() + HOUR), 'a@example.com')).toEqual([]);
    expect(run(new Date(NOW.getTime() + HOUR), 'b@example.com')).toHaveLength(4); // another recipient is told too
    // 6.5 days on, the 7-day certificate is in its last day and the 1-day one has expired: only those are new (the
    // 30-day one is still at 30d, and the 40-day one, at 33.5 days, is not due yet).
    expect(run(new Date(NOW.getTime() + 6.5 * DAY), 'a@example.com')).toEqual(['SEP000000000101 expired', 'SEP000000000107 1d']);
  });

  it('property: runs at any times tell each recipient about each certificate once per level, in level order, never missing the current level', () => {
    const certificateArb = fc.record({ days: fc.double({ min: -3, max: 60, noNaN: true }), lifetime: fc.integer({ min: 61, max: 800 }), kind: fc.constantFrom('lsc', 'capf-ca', 'trust', 'tls' as const) });
    fc.assert(
      fc.property(
        fc.array(certificateArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.double({ min: 0, max: 70, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 60 }),
        (specs, runOffsets, leadDays) => {
          const certificates = specs.map((s) => certificate(s.days, { lifetimeDays: s.lifetime, kind: s.kind, state: s.kind === 'lsc' ? 'installed' : 'active' }));
          const sent = new Map<string, NoticeLevel[]>(); // per certificate, in the order told
          const keys = new Set<string>();
          const order = noticeLevels(leadDays);
          for (const offset of [...runOffsets].sort((a, b) => a - b)) {
            const now = new Date(NOW.getTime() + offset * DAY);
            const due = dueNotices(certificates, { now, leadDays });
            const fresh = unsentNotices(due, 'ops@example.com', (key) => keys.has(key));
            for (const key of fresh.keys) {
              expect(keys.has(key)).toBe(false);
              keys.add(key);
            }
            for (const notice of fresh.notices) {
              const told = sent.get(notice.certificate.serialHex) ?? [];
              expect(told).not.toContain(notice.level);
              if (told.length) expect(order.indexOf(notice.level)).toBeGreaterThan(order.indexOf(told.at(-1)!));
              sent.set(notice.certificate.serialHex, [...told, notice.level]);
            }
            // Whatever was due at this run has now been told, at this run or before.
            for (const notice of due) expect(sent.get(notice.certificate.serialHex)).toContain(notice.level);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
