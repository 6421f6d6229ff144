// The bench's arithmetic: nearest-rank percentiles, latency summaries, the issuance ceiling and shares.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSharedStoreCall,
  cpuShare,
  fractionOfCeiling,
  issuanceCeiling,
  percentile,
  PRIVATE_KEY_OPERATIONS_PER_ISSUANCE,
  ratePerSecond,
  round,
  serverCapacityPerSecond,
  tlsAndLscBoundPerSecond,
  summarizeLatencies,
} from '../../../cli/bench/statistics.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest value with at least p % of the values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN for no values and refuses a p outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('always returns one of the values, and never decreases as p grows', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 99 }), (values, p) => {
        const sorted = [...values].sort((a, b) => a - b);
        expect(sorted).toContain(percentile(sorted, p));
        expect(percentile(sorted, p + 1)).toBeGreaterThanOrEqual(percentile(sorted, p));
      }),
    );
  });
});

describe('summarizeLatencies', () => {
  it('sorts its input and reports count, mean, p50, p90, p99 and max rounded to 0.1 ms', () => {
    const latencies = Array.from({ length: 200 }, (_, i) => 200 - i + 0.04); // 200.04 down to 1.04
    expect(summarizeLatencies(latencies)).toEqual({ count: 200, meanMs: 100.5, p50Ms: 100, p90Ms: 180, p99Ms: 198, maxMs: 200 });
    expect(latencies[0]).toBe(200.04); // the caller's array is left alone
  });

  it('reports an empty run as count 0 with NaN figures', () => {
    const summary = summarizeLatencies([]);
    expect(summary.count).toBe(0);
    expect(summary.p50Ms).toBeNaN();
    expect(summary.meanMs).toBeNaN();
  });
});

describe('the issuance ceiling', () => {
  it('is cores × raw signing rate / 2, since every issuance costs a TLS handshake and an LSC signature', () => {
    expect(PRIVATE_KEY_OPERATIONS_PER_ISSUANCE).toBe(2);
    expect(issuanceCeiling(2, 1400)).toBe(1400);
    expect(issuanceCeiling(8, 1000)).toBe(4000);
    expect(issuanceCeiling(2, 1000, 4)).toBe(500);
  });

  it('refuses impossible inputs', () => {
    expect(() => issuanceCeiling(0, 1000)).toThrow(RangeError);
    expect(() => issuanceCeiling(2, -1)).toThrow(RangeError);
    expect(() => issuanceCeiling(2, 1000, 0)).toThrow(RangeError);
  });

  it('gives the share reached, 0.6 being the target', () => {
    expect(fractionOfCeiling(840, issuanceCeiling(2, 1400))).toBeCloseTo(0.6, 10);
    expect(fractionOfCeiling(10, 0)).toBe(0);
  });

  it('derives what the server alone could issue from its CPU time per issuance', () => {
    // 1,000 issuances cost the server 10 CPU seconds: 10 ms each, so 2 cores could do 200 a second.
    expect(serverCapacityPerSecond(2, 10_000_000, 1000)).toBe(200);
    expect(serverCapacityPerSecond(1, 10_000_000, 1000)).toBe(100);
    expect(serverCapacityPerSecond(2, 0, 1000)).toBe(0);
    expect(serverCapacityPerSecond(2, 10_000_000, 0)).toBe(0);
  });

  it('bounds issuance by one TLS session and one LSC per issuance', () => {
    // 2 cores doing 2,000 sessions/s spend 1 ms of a core on each; an LSC costs 0.25 ms: 1.25 ms per issuance.
    expect(tlsAndLscBoundPerSecond(2, 2_000, 4_000)).toBeCloseTo(1_600, 6);
    expect(tlsAndLscBoundPerSecond(1, 1_000, 1_000)).toBeCloseTo(500, 6);
    expect(tlsAndLscBoundPerSecond(2, 0, 4_000)).toBe(0);
  });
});

describe('rates and shares', () => {
  it('turns counts and milliseconds into per-second rates', () => {
    expect(ratePerSecond(200, 2_500)).toBe(80);
    expect(ratePerSecond(5, 0)).toBe(0);
  });

  it('gives CPU time as a share of what the cores offered over the wall time', () => {
    expect(cpuShare(1_000_000, 1_000, 2)).toBe(0.5); // 1 s of CPU in 1 s on 2 cores
    expect(cpuShare(4_000_000, 2_000, 2)).toBe(1);
    expect(cpuShare(1, 0, 2)).toBe(0);
  });

  it('rounds to a number of digits and leaves non-finite values alone', () => {
    expect(round(2.345, 2)).toBe(2.35);
    expect(round(1234.5)).toBe(1235);
    expect(round(Number.NaN, 1)).toBeNaN();
  });
});

describe('shared store calls', () => {
  it('are the cached parameter and CAPF-trust reads and the batched audit writes, not an enrolment’s own calls', () => {
    expect(['parameters.get', 'trust.list', 'audit.appendBatch'].map(isSharedStoreCall)).toEqual([true, true, true]);
    expect(['devices.get', 'devices.claimKey', 'issuances.complete', 'devices.finishOperation'].map(isSharedStoreCall)).toEqual([false, false, false, false]);
  });
});
