// Idle connections: phones parked in a session, waiting at AUTH_REQUEST as while a user types the authentication
// string, and what they cost the server in memory; then the session latency of N enrolling phones under that load.
import type { CapfLogger } from '../../shared/logging.ts';
import { armDevices, benchDeviceNames, measureEnrolRound, ONE_AT_A_TIME_SESSIONS, startBenchStack } from './bench-stack.ts';
import type { LoadProcess } from './load-client.ts';
import { MIB, TARGETS, type IdleFigures } from './results.ts';
import { round } from './statistics.ts';

export interface IdleBenchOptions {
  connections: number;
  phones: number;
  workers: number;
  load: LoadProcess;
  logger: CapfLogger;
  cpuProfileDir?: string;
}

/** Long enough that no parked session times out while it is measured (the listener's default is 30 s). */
const PARKED_MESSAGE_TIMEOUT_MS = 10 * 60_000;
const HANDSHAKES_IN_FLIGHT = 128;
const SETTLE_MS = 1_000;

export async function benchIdle(options: IdleBenchOptions): Promise<IdleFigures> {
  const { connections, phones, load } = options;
  const stack = await startBenchStack({
    caKeyType: 'rsa',
    workers: options.workers,
    logger: options.logger,
    maxSessionsPerWorker: connections + phones,
    messageTimeoutMs: PARKED_MESSAGE_TIMEOUT_MS,
    cpuProfileDir: options.cpuProfileDir,
  });
  try {
    const names = benchDeviceNames(0x4000, phones);
    const lone = benchDeviceNames(0x4001, ONE_AT_A_TIME_SESSIONS);
    await armDevices(stack.cluster.store, [...names, ...lone], 'rsa');
    await load.run({ type: 'make-keys', keyType: 'rsa', phones }, 300_000);
    await settle();
    const before = await stack.cluster.report();
    const parked = await load.run({ type: 'park', target: stack.target, count: connections, inFlight: HANDSHAKES_IN_FLIGHT, timeoutMs: 60_000 }, 600_000);
    await settle();
    const after = await stack.cluster.report();
    const listenerRssBefore = before.reduce((sum, r) => sum + r.rssBytes, 0);
    const listenerRssAfter = after.reduce((sum, r) => sum + r.rssBytes, 0);
    const storeProcessRss = process.memoryUsage.rss();
    const underLoad = await measureEnrolRound(stack, load, names, 60_000 + phones * 100);
    const oneAtATime = await measureEnrolRound(stack, load, lone, 60_000, 1);
    await load.run({ type: 'unpark' }, 60_000);
    const held = parked.outcome.parked;
    return {
      target: connections,
      parked: held,
      failed: parked.outcome.failed,
      errors: parked.outcome.errors,
      workers: options.workers,
      openSeconds: round(parked.outcome.wallMs / 1000, 1),
      listenerRssBeforeMiB: round(listenerRssBefore / MIB, 1),
      listenerRssAfterMiB: round(listenerRssAfter / MIB, 1),
      storeProcessRssMiB: round(storeProcessRss / MIB, 1),
      bytesPerConnection: held > 0 ? round(Math.max(0, listenerRssAfter - listenerRssBefore) / held) : 0,
      clientRssMiB: round(parked.usage.rssBytes / MIB, 1),
      withinTarget: held >= TARGETS.idleConnections && listenerRssAfter + storeProcessRss < TARGETS.idleRssBytes,
      underLoad: { ...underLoad.run, perSecond: round(underLoad.run.perSecond, 1), seconds: round(underLoad.run.seconds, 2) },
      oneAtATime: oneAtATime.run.latency,
    };
  } finally {
    await load.run({ type: 'unpark' }, 60_000).catch(() => undefined); // after a failure: hang up what is still open
    await stack.close();
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}
