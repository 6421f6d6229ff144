// The run frequency (daily; hourly within a day of an expiry) and the metrics (by state, by bucket, the gauge and the
// alarm input), for certificates at 40, 30, 7, 1 and -1 days and around the boundaries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiryBucket, expiryMetrics, monitorSchedule, type MonitoredCertificate } from '../../../shared/monitor/index.ts';
import { certificate, DAY, HOUR, issueSet, NOW } from './support.ts';

describe('monitorSchedule', () => {
  it('is hourly while the 1-day or the just-expired certificate is there', () => {
    const schedule = monitorSchedule(issueSet(), NOW);
    expect(schedule.frequency).toBe('hourly');
    expect(schedule.nextRunAt.getTime()).toBe(NOW.getTime() + HOUR);
    expect(schedule.reason).toMatch(/within a day of its expiry/);
  });

  it('is daily with certificates at 40, 30 and 7 days, and the next run is a day later', () => {
    const schedule = monitorSchedule(issueSet().slice(0, 3), NOW);
    expect(schedule).toMatchObject({ frequency: 'daily', nextRunAt: new Date(NOW.getTime() + DAY) });
  });

  it('brings the next daily run forward to the moment a certificate enters its last day', () => {
    const schedule = monitorSchedule([certificate(40), certificate(1.25, { device: 'SEP00000000ABCD' })], NOW);
    expect(schedule.frequency).toBe('daily');
    expect(schedule.nextRunAt.getTime()).toBe(NOW.getTime() + 0.25 * DAY);
    expect(schedule.reason).toMatch(/SEP00000000ABCD.*its last day starts before the next daily run/);
    // ...and at that moment it turns hourly.
    expect(monitorSchedule([certificate(1.25, { device: 'SEP00000000ABCD' })], schedule.nextRunAt).frequency).toBe('hourly');
  });

  it('goes back to daily a day after an expiry, and ignores certificates out of service', () => {
    expect(monitorSchedule([certificate(-1 - 1 / 24)], NOW).frequency).toBe('daily');
    expect(monitorSchedule([certificate(-1)], NOW).frequency).toBe('hourly');
    expect(monitorSchedule([certificate(0.5, { state: 'revoked' }), certificate(0.5, { state: 'superseded' }), certificate(0.5, { state: 'issued' })], NOW).frequency).toBe('daily');
    expect(monitorSchedule([certificate(0.5, { kind: 'capf-ca', state: 'active' })], NOW).frequency).toBe('hourly');
    expect(monitorSchedule([], NOW).frequency).toBe('daily');
  });

  it('property: hourly exactly when a certificate in service is within a day of notAfter, either side', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ days: fc.double({ min: -5, max: 5, noNaN: true }), state: fc.constantFrom('installed', 'revoked', 'issued' as const) }), { maxLength: 6 }), (specs) => {
        const list: MonitoredCertificate[] = specs.map((s) => certificate(s.days, { state: s.state }));
        const expected = specs.some((s) => s.state === 'installed' && Math.abs(s.days) <= 1) ? 'hourly' : 'daily';
        const schedule = monitorSchedule(list, NOW);
        expect(schedule.frequency).toBe(expected);
        expect(schedule.nextRunAt.getTime()).toBeGreaterThan(NOW.getTime());
        expect(schedule.nextRunAt.getTime()).toBeLessThanOrEqual(NOW.getTime() + DAY);
      }),
      { numRuns: 300 },
    );
  });
});

describe('expiryMetrics', () => {
  it('buckets ≤1, ≤7, ≤30, >30 days: 40 → gt30, 30 → le30, 7 → le7, 1 and -1 → le1', () => {
    expect([40, 30, 7, 1, -1].map(expiryBucket)).toEqual(['gt30', 'le30', 'le7', 'le1', 'le1']);
    expect([30.0001, 7.0001, 1.0001].map(expiryBucket)).toEqual(['gt30', 'le30', 'le7']);
    const metrics = expiryMetrics(issueSet(), { now: NOW });
    expect(metrics.byBucket.lsc).toEqual({ le1: 2, le7: 1, le30: 1, gt30: 1 });
    expect(metrics.byBucket['capf-ca']).toEqual({ le1: 0, le7: 0, le30: 0, gt30: 0 });
    expect(metrics.expiringWithinLead).toBe(4);
    expect(metrics.criticalWithinSevenDays).toBe(3);
  });

  it('counts every certificate by state but only those in service in the buckets; trust and TLS stay out of the gauge and the alarm', () => {
    const list = [
      certificate(3, { state: 'revoked' }),
      certificate(3, { state: 'superseded' }),
      certificate(3, { state: 'issued' }),
      certificate(400, { kind: 'capf-ca', state: 'active' }),
      certificate(5, { kind: 'capf-ca', state: 'active' }),
      certificate(2, { kind: 'trust', state: 'active' }),
      certificate(2, { kind: 'tls', state: 'active' }),
    ];
    const metrics = expiryMetrics(list, { now: NOW, leadDays: 10 });
    expect(metrics.byState).toEqual({ issued: 1, installed: 0, active: 4, superseded: 1, abandoned: 0, deleted: 0, revoked: 1 });
    expect(metrics.byBucket['capf-ca']).toEqual({ le1: 0, le7: 1, le30: 0, gt30: 1 });
    expect(metrics.byBucket.trust.le7).toBe(1);
    expect(metrics.byBucket.tls.le7).toBe(1);
    expect(metrics.byBucket.lsc).toEqual({ le1: 0, le7: 0, le30: 0, gt30: 0 });
    expect(metrics.expiringWithinLead).toBe(1);
    expect(metrics.criticalWithinSevenDays).toBe(1);
  });
});
