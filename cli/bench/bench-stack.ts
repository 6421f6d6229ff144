// The system under test: the local stack as a cluster of listener workers in a throwaway data folder, devices armed
// for an install, and one measured round of enrolments with the CPU time of every process involved.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startListenerCluster, type ListenerCluster, type StoreCallTiming, type WorkerReport } from '../local/cluster.ts';
import type { CapfLogger } from '../../shared/logging.ts';
import type { Stores } from '../../shared/ports/index.ts';
import type { BenchTarget } from './bench-phone.ts';
import type { LoadProcess } from './load-client.ts';
import type { PhoneKeyType } from './phone-fleet.ts';
import type { EnrolRunFigures } from './results.ts';
import { ratePerSecond, summarizeLatencies } from './statistics.ts';

/** Sessions run one after another for the no-queueing latency figure. */
export const ONE_AT_A_TIME_SESSIONS = 50;

export interface BenchStack {
  cluster: ListenerCluster;
  target: BenchTarget;
  close(): Promise<void>;
}

export interface BenchStackOptions {
  caKeyType: PhoneKeyType;
  workers: number;
  logger: CapfLogger;
  maxSessionsPerWorker: number;
  messageTimeoutMs?: number;
  /** Where the listener workers write CPU profiles (`capf bench --cpu-prof DIR`). */
  cpuProfileDir?: string;
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'capf-bench-'));
  let cluster: ListenerCluster;
  try {
    cluster = await startListenerCluster({
      dataDir,
      hosts: ['127.0.0.1'],
      port: 0,
      workers: options.workers,
      logger: options.logger,
      logLevel: 'error',
      caKeyType: options.caKeyType,
      maxSessions: options.maxSessionsPerWorker,
      timeStoreCalls: true,
      messageTimeoutMs: options.messageTimeoutMs,
      cpuProfileDir: options.cpuProfileDir,
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const address = cluster.addresses[0];
  if (!address) throw new RangeError('the cluster bound no address');
  return {
    cluster,
    target: { host: address.address, port: address.port, caPem: cluster.ca.certificatePem },
    async close() {
      await cluster.close(2_000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** SEP + 4 hex digits for the group + 8 for the phone: distinct names for every round of a run. */
export function benchDeviceNames(group: number, count: number): string[] {
  const prefix = `SEP${group.toString(16).toUpperCase().padStart(4, '0')}`;
  return Array.from({ length: count }, (_, i) => `${prefix}${i.toString(16).toUpperCase().padStart(8, '0')}`);
}

/** Creates the devices with an install operation (null string), `lanes` writes at a time. */
export async function armDevices(store: Stores, names: readonly string[], keyType: PhoneKeyType, lanes = 16): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++] as string;
      await store.devices.put({ name, operation: 'install', authMode: 'null-string', keyOrder: keyType, rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, names.length) }, lane));
}

export interface MeasuredRound {
  run: EnrolRunFigures;
  wallMs: number;
  listenerCpuMicros: number;
  storeProcessCpuMicros: number;
  clientCpuMicros: number;
  /** Store calls made by the listener workers during the round, by method. */
  storeCalls: Record<string, StoreCallTiming>;
}

/** One round from the load process, every device at once unless `concurrency` says otherwise; CPU time is taken before and after. */
export async function measureEnrolRound(stack: BenchStack, load: LoadProcess, names: string[], timeoutMs: number, concurrency?: number): Promise<MeasuredRound> {
  const workersBefore = await stack.cluster.report();
  const clientBefore = await load.usage();
  const primaryBefore = process.cpuUsage();
  const { outcome, usage } = await load.run({ type: 'enrol', target: stack.target, deviceNames: names, timeoutMs, ...(concurrency ? { concurrency } : {}) }, timeoutMs + 30_000);
  const primary = process.cpuUsage(primaryBefore);
  const workersAfter = await stack.cluster.report();
  return {
    run: {
      phones: names.length,
      succeeded: outcome.latenciesMs.length,
      failed: outcome.failures,
      errors: outcome.errors,
      seconds: outcome.wallMs / 1000,
      perSecond: ratePerSecond(outcome.latenciesMs.length, outcome.wallMs),
      latency: summarizeLatencies(outcome.latenciesMs),
    },
    wallMs: outcome.wallMs,
    listenerCpuMicros: cpuOf(workersAfter) - cpuOf(workersBefore),
    storeProcessCpuMicros: primary.user + primary.system,
    clientCpuMicros: usage.cpuMicros - clientBefore.cpuMicros,
    storeCalls: storeCallsBetween(workersBefore, workersAfter),
  };
}

/** CPU time (µs) the listener workers and this process (the primary: dynalite, accepting for the workers) spend in `work`. */
export async function serverCpuDuring<T>(stack: BenchStack, work: () => Promise<T>): Promise<{ result: T; serverCpuMicros: number }> {
  const workersBefore = await stack.cluster.report();
  const primaryBefore = process.cpuUsage();
  const result = await work();
  const primary = process.cpuUsage(primaryBefore);
  const workersAfter = await stack.cluster.report();
  return { result, serverCpuMicros: cpuOf(workersAfter) - cpuOf(workersBefore) + primary.user + primary.system };
}

function cpuOf(reports: readonly WorkerReport[]): number {
  return reports.reduce((sum, report) => sum + report.cpuMicros.user + report.cpuMicros.system, 0);
}

function storeCallsBetween(before: readonly WorkerReport[], after: readonly WorkerReport[]): Record<string, StoreCallTiming> {
  const total = (reports: readonly WorkerReport[]) => {
    const sums = new Map<string, StoreCallTiming>();
    for (const report of reports) {
      for (const [method, timing] of Object.entries(report.storeCalls)) {
        const sum = sums.get(method) ?? { count: 0, totalMs: 0 };
        sums.set(method, { count: sum.count + timing.count, totalMs: sum.totalMs + timing.totalMs });
      }
    }
    return sums;
  };
  const start = total(before);
  const result: Record<string, StoreCallTiming> = {};
  for (const [method, end] of total(after)) {
    const begin = start.get(method) ?? { count: 0, totalMs: 0 };
    if (end.count > begin.count) result[method] = { count: end.count - begin.count, totalMs: end.totalMs - begin.totalMs };
  }
  return result;
}
