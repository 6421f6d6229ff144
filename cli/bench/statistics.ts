// The arithmetic of `capf bench`, kept pure so it can be tested: latency summaries, rates, and the issuance ceiling.

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * The p-th percentile (0..100) of ascending `sorted` values, by the nearest-rank method: the smallest value with at
 * least p % of the values at or below it. NaN for an empty list.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in 0..100`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    meanMs: sorted.length === 0 ? Number.NaN : round(total / sorted.length, 1),
    p50Ms: round(percentile(sorted, 50), 1),
    p90Ms: round(percentile(sorted, 90), 1),
    p99Ms: round(percentile(sorted, 99), 1),
    maxMs: round(sorted.at(-1) ?? Number.NaN, 1),
  };
}

/** Operations per second; 0 when nothing was timed. */
export function ratePerSecond(operations: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (operations * 1000) / elapsedMs : 0;
}

/**
 * Store calls one enrolment makes: the listener's device read and finishOperation (whose lscIssuance makes the record
 * the installed LSC: no write on the record, issue 16); the sign service's claimKey on the device (the operation
 * checked, the certificate counted, the device in progress) and complete (the issuance record). The listener and the
 * sign service each read the parameters (and the listener CAPF-trust) through a 5 s cache, so under load those reads
 * are almost never made.
 */
export const STORE_CALLS_PER_ENROLMENT = 4;

/**
 * Store calls shared by many enrolments rather than made by one: the 5 s caches' refreshes of the parameters and
 * CAPF-trust, and the audit trail's batched writes (up to 25 events a request). The bench reports them apart from the
 * enrolment's own calls, which the issue-16 goal (≤ 4) is about.
 */
export function isSharedStoreCall(method: string): boolean {
  return method.startsWith('parameters.') || method.startsWith('trust.') || method.startsWith('audit.');
}

/** Each issuance costs the server at least this many CA private-key operations: the TLS handshake and the LSC. */
export const PRIVATE_KEY_OPERATIONS_PER_ISSUANCE = 2;

/** The most issuances one machine can do: every core signing all the time, two signatures per issuance. */
export function issuanceCeiling(cores: number, rawSignsPerSecond: number, operationsPerIssuance = PRIVATE_KEY_OPERATIONS_PER_ISSUANCE): number {
  if (!(cores >= 1) || !(rawSignsPerSecond >= 0) || !(operationsPerIssuance >= 1)) {
    throw new RangeError('the ceiling needs at least one core, a rate of zero or more and one operation or more per issuance');
  }
  return (cores * rawSignsPerSecond) / operationsPerIssuance;
}

/** The measured rate as a fraction of the ceiling (0.6 = 60 %); 0 when the ceiling is 0. */
export function fractionOfCeiling(measuredPerSecond: number, ceilingPerSecond: number): number {
  return ceilingPerSecond > 0 ? measuredPerSecond / ceilingPerSecond : 0;
}

/**
 * Issuances per second that `cores` cores could sustain if they did nothing but the server's share of the work (the
 * phones on other machines): derived from measured CPU time per issuance, not timed. 0 without a measurement.
 */
export function serverCapacityPerSecond(cores: number, serverCpuMicros: number, issuances: number): number {
  return serverCpuMicros > 0 && issuances > 0 ? (cores * 1e6 * issuances) / serverCpuMicros : 0;
}

/**
 * The most issuances per second a server could reach if an issuance cost nothing but one TLS session (at the measured
 * server-side session capacity of all cores) and one LSC built and signed on one core: no store, no protocol, no GC.
 */
export function tlsAndLscBoundPerSecond(cores: number, handshakeCapacityPerSecond: number, lscPerSecond: number): number {
  if (!(handshakeCapacityPerSecond > 0) || !(lscPerSecond > 0)) return 0;
  const coreSecondsPerIssuance = cores / handshakeCapacityPerSecond + 1 / lscPerSecond;
  return cores / coreSecondsPerIssuance;
}

/** CPU time (µs) as a share of what `cores` cores offer over `elapsedMs` of wall time (1 = every core busy). */
export function cpuShare(cpuMicros: number, elapsedMs: number, cores: number): number {
  return elapsedMs > 0 && cores > 0 ? cpuMicros / 1000 / (elapsedMs * cores) : 0;
}

export function round(value: number, digits = 0): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
