// Issuance rate: N phones enrol at once through the cluster's TLS listener with the software CAPF CA, beside the raw
// signing rate measured in the same run. Order: raw yardsticks first (nothing else running), then a warm-up round,
// the measured round, and the listener's TLS session rate without the store.
import type { CapfLogger } from '../../shared/logging.ts';
import { armDevices, benchDeviceNames, measureEnrolRound, ONE_AT_A_TIME_SESSIONS, serverCpuDuring, startBenchStack } from './bench-stack.ts';
import type { LoadProcess } from './load-client.ts';
import type { PhoneKeyType } from './phone-fleet.ts';
import { generateSigningKey, measureLscIssuance, measureRawSigning } from './raw-signing.ts';
import type { IssuanceFigures } from './results.ts';
import { cpuShare, fractionOfCeiling, isSharedStoreCall, issuanceCeiling, ratePerSecond, round, serverCapacityPerSecond, tlsAndLscBoundPerSecond } from './statistics.ts';

export interface IssuanceBenchOptions {
  keyType: PhoneKeyType;
  phones: number;
  workers: number;
  cores: number;
  load: LoadProcess;
  logger: CapfLogger;
  cpuProfileDir?: string;
}

const YARDSTICK_MS = 1_000;
/** Enough sessions for V8 to optimise the hot paths, so a short measured round sees the steady state. */
const WARM_UP_PHONES = 400;
/** Enough TLS sessions for a steady server-side CPU figure (the primary and both workers measured around them). */
const HANDSHAKE_SESSIONS = 2_000;
/** Bound on one round: generous for a loaded 2-core machine, still finite. */
const roundTimeoutMs = (phones: number) => 60_000 + phones * 100;

export async function benchIssuance(options: IssuanceBenchOptions): Promise<IssuanceFigures> {
  const { keyType, phones, load } = options;
  const rawSignsPerSecond = await measureRawSigning(generateSigningKey(keyType), YARDSTICK_MS);
  const stack = await startBenchStack({
    caKeyType: keyType,
    workers: options.workers,
    logger: options.logger,
    maxSessionsPerWorker: phones + HANDSHAKE_SESSIONS,
    cpuProfileDir: options.cpuProfileDir,
  });
  try {
    const ca = stack.cluster.ca;
    const lscPerSecond = await measureLscIssuance(ca.certificateDer, ca.privateKey, keyType, YARDSTICK_MS);
    const group = keyType === 'rsa' ? 0x1000 : 0x2000;
    const warmUp = benchDeviceNames(group, WARM_UP_PHONES);
    const measured = benchDeviceNames(group + 1, phones);
    const lone = benchDeviceNames(group + 2, ONE_AT_A_TIME_SESSIONS);
    await armDevices(stack.cluster.store, [...warmUp, ...measured, ...lone], keyType);
    const { outcome: keys } = await load.run({ type: 'make-keys', keyType, phones }, 300_000);

    await measureEnrolRound(stack, load, warmUp, roundTimeoutMs(warmUp.length));
    const measuredRound = await measureEnrolRound(stack, load, measured, roundTimeoutMs(phones));
    const oneAtATime = await measureEnrolRound(stack, load, lone, roundTimeoutMs(lone.length), 1);

    const { result: parked, serverCpuMicros: handshakeServerCpuMicros } = await serverCpuDuring(stack, () =>
      load.run({ type: 'park', target: stack.target, count: HANDSHAKE_SESSIONS, inFlight: 64, timeoutMs: 30_000 }, 120_000),
    );
    await load.run({ type: 'unpark' }, 30_000);

    const ceilingPerSecond = issuanceCeiling(options.cores, rawSignsPerSecond);
    const handshakeCapacity = serverCapacityPerSecond(options.cores, handshakeServerCpuMicros, parked.outcome.parked);
    const succeeded = Math.max(1, measuredRound.run.succeeded);
    const msEach = (micros: number) => round(micros / 1000 / succeeded, 2);
    const boundPerSecond = tlsAndLscBoundPerSecond(options.cores, handshakeCapacity, lscPerSecond);
    const storeCallCount = Object.values(measuredRound.storeCalls).reduce((sum, timing) => sum + timing.count, 0);
    const ownStoreCallCount = Object.entries(measuredRound.storeCalls).reduce((sum, [method, timing]) => sum + (isSharedStoreCall(method) ? 0 : timing.count), 0);
    return {
      keyType,
      workers: options.workers,
      distinctKeys: keys.keys,
      ...measuredRound.run,
      rawSignsPerSecond: round(rawSignsPerSecond),
      lscPerSecond: round(lscPerSecond),
      ceilingPerSecond: round(ceilingPerSecond),
      fractionOfCeiling: round(fractionOfCeiling(measuredRound.run.perSecond, ceilingPerSecond), 4),
      serverCapacityPerSecond: round(serverCapacityPerSecond(options.cores, measuredRound.listenerCpuMicros + measuredRound.storeProcessCpuMicros, measuredRound.run.succeeded)),
      handshakesPerSecond: round(ratePerSecond(parked.outcome.parked, parked.outcome.wallMs)),
      handshakeServerCapacityPerSecond: round(handshakeCapacity),
      tlsAndLscBoundPerSecond: round(boundPerSecond),
      fractionOfBound: round(fractionOfCeiling(measuredRound.run.perSecond, boundPerSecond), 4),
      perIssuance: {
        storeCalls: round(storeCallCount / succeeded, 2),
        enrolmentStoreCalls: round(ownStoreCallCount / succeeded, 2),
        serverCpuMs: msEach(measuredRound.listenerCpuMicros + measuredRound.storeProcessCpuMicros),
        listenerCpuMs: msEach(measuredRound.listenerCpuMicros),
        storeProcessCpuMs: msEach(measuredRound.storeProcessCpuMicros),
        clientCpuMs: msEach(measuredRound.clientCpuMicros),
      },
      oneAtATime: oneAtATime.run.latency,
      cpu: {
        listenerSeconds: round(measuredRound.listenerCpuMicros / 1e6, 2),
        storeProcessSeconds: round(measuredRound.storeProcessCpuMicros / 1e6, 2),
        clientSeconds: round(measuredRound.clientCpuMicros / 1e6, 2),
        clientShare: round(cpuShare(measuredRound.clientCpuMicros, measuredRound.wallMs, options.cores), 3),
        machineBusy: round(cpuShare(measuredRound.listenerCpuMicros + measuredRound.storeProcessCpuMicros + measuredRound.clientCpuMicros, measuredRound.wallMs, options.cores), 3),
      },
      storeCalls: Object.fromEntries(
        Object.entries(measuredRound.storeCalls).map(([method, timing]) => [method, { perIssuance: round(timing.count / succeeded, 2), meanMs: round(timing.totalMs / timing.count, 1) }]),
      ),
      perSecond: round(measuredRound.run.perSecond, 1),
      seconds: round(measuredRound.run.seconds, 2),
    };
  } finally {
    await stack.close();
  }
}
