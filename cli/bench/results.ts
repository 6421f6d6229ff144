// What `capf bench` writes to bench/results.json (checked against this schema before it is written) and the table it
// prints. The targets come from the issue that asked for the benchmark.
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { BENCH_SECTIONS } from './sections.ts';
import { fractionOfCeiling, STORE_CALLS_PER_ENROLMENT } from './statistics.ts';

export const TARGETS = {
  fractionOfCeiling: 0.6,
  /** Issue 16: issuance at least this share of the bound (one TLS session + one LSC each, measured in the run). */
  fractionOfBound: 0.25,
  storeCallsPerIssuance: 4,
  /** Server CPU (listeners + store process) per RSA-2048 issuance on the local stack. */
  rsaServerCpuMs: 5,
  /** p99 latency of `latencyPhones` phones enrolling at once. */
  p99AtOnceMs: 1_000,
  latencyPhones: 200,
  idleConnections: 10_000,
  idleRssBytes: 1024 ** 3,
  bundleBytes: 1_000_000,
  /** Issue 15: the console's client bundle, and its devices page's first render over 10,000 devices. */
  consoleBundleBytes: 300_000,
  consoleFirstRenderMs: 1_000,
  importMs: 150,
  listenerStartMs: 2_000,
  /** Issue 14: devices a bulk job updates per second on dynalite, two cores. */
  bulkPerSecond: 2_000,
} as const;


const count = z.number().int().nonnegative();
const rate = z.number().nonnegative();
const errors = z.array(z.string()).max(5);

export const latencySchema = z.object({
  count,
  meanMs: z.number(),
  p50Ms: z.number(),
  p90Ms: z.number(),
  p99Ms: z.number(),
  maxMs: z.number(),
});

const enrolRunSchema = z.object({
  phones: count,
  succeeded: count,
  failed: count,
  errors,
  seconds: rate,
  perSecond: rate,
  latency: latencySchema,
});

export const issuanceSchema = enrolRunSchema.extend({
  keyType: z.enum(['rsa', 'ec']),
  workers: count,
  /** Distinct phone keys (RSA keys are pooled: each takes ~0.3 s to make). */
  distinctKeys: count,
  rawSignsPerSecond: rate,
  lscPerSecond: rate,
  ceilingPerSecond: rate,
  fractionOfCeiling: rate,
  /** What the cores would issue doing only the server's work (listeners + store), from CPU time per issuance. */
  serverCapacityPerSecond: rate,
  /** TLS handshake + AUTH_REQUEST through the cluster, without the store: the listener's own capacity. */
  handshakesPerSecond: rate,
  /** The same sessions as handshakesPerSecond, as a capacity of the server alone (its CPU time per session). */
  handshakeServerCapacityPerSecond: rate,
  /** Issuances per second if each cost one such TLS session and one LSC (lscPerSecond) and nothing else. */
  tlsAndLscBoundPerSecond: rate,
  /** Sessions one after another (no queueing): what a lone phone sees. */
  oneAtATime: latencySchema,
  cpu: z.object({
    listenerSeconds: rate,
    storeProcessSeconds: rate,
    clientSeconds: rate,
    clientShare: rate,
    machineBusy: rate,
  }),
  storeCalls: z.record(z.string(), z.object({ perIssuance: rate, meanMs: rate })),
  /**
   * Per successful issuance of the measured round: store calls (all methods; and the enrolment's own, without the
   * shared cache refreshes and audit batches: isSharedStoreCall) and CPU by process.
   */
  perIssuance: z.object({ storeCalls: rate, enrolmentStoreCalls: rate, serverCpuMs: rate, listenerCpuMs: rate, storeProcessCpuMs: rate, clientCpuMs: rate }),
  /** perSecond as a share of tlsAndLscBoundPerSecond (the issue's yardstick: ≥ 0.25). */
  fractionOfBound: rate,
});

export const idleSchema = z.object({
  target: count,
  parked: count,
  failed: count,
  errors,
  workers: count,
  openSeconds: rate,
  listenerRssBeforeMiB: rate,
  listenerRssAfterMiB: rate,
  storeProcessRssMiB: rate,
  bytesPerConnection: rate,
  clientRssMiB: rate,
  withinTarget: z.boolean(),
  /** N phones enrolling at once while the connections are held. */
  underLoad: enrolRunSchema,
  /** Sessions one after another while the connections are held. */
  oneAtATime: latencySchema,
});

const bulkRunSchema = z.object({ devices: count, seconds: rate, perSecond: rate, jobCpuMs: rate, storeCpuMs: rate });

const storePhaseSchema = z.object({
  operations: count,
  perSecond: rate,
  storeCpuMsPerOperation: rate,
  clientCpuMsPerOperation: rate,
});

export const storeSchema = z.object({
  concurrency: count,
  deviceReads: storePhaseSchema,
  certificateWrites: storePhaseSchema,
  /** The 7 store calls of one enrolment, as one unit: the enrolment rate the store alone allows. */
  enrolmentCalls: storePhaseSchema,
});

export const bundleSchema = z.object({
  /** A function's id, or `listener` for the listener image's bundle. */
  function: z.string(),
  /** JavaScript loaded at start: a function's entry and the chunks it imports statically; the listener's one file. */
  bytes: count,
  /** All of the bundle's JavaScript, lazily loaded chunks included (source maps not counted). */
  totalBytes: count.optional(),
  /** Functions: a fresh node's import of the bundle. */
  importMs: z.object({ median: rate, min: rate, max: rate }).optional(),
  /** The listener: spawn to healthy, the first start (generates the TLS certificate) and the restarts. */
  startMs: z.object({ first: rate, median: rate, min: rate, max: rate }).optional(),
  idleRssMiB: rate.optional(),
  startNotMeasured: z.string().optional(),
  runs: count,
});

export const machineSchema = z.object({ cpus: count, cpuModel: z.string(), node: z.string(), platform: z.string(), memoryGiB: rate });

export const benchResultsSchema = z.object({
  schema: z.literal(1),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  machine: machineSchema,
  /** 1-minute load average when the run started and ended: other work on the machine skews every figure. */
  loadAverage: z.object({ start: rate, end: rate }),
  options: z.object({ phones: count, idleConnections: count, workers: count, only: z.array(z.enum(BENCH_SECTIONS)) }),
  issuance: issuanceSchema.optional(),
  ec: issuanceSchema.optional(),
  idle: idleSchema.optional(),
  store: storeSchema.optional(),
  bundles: z.array(bundleSchema).optional(),
  /** One expiry monitor run over 100,000 LSCs on dynalite (cli/bench/monitor-bench.ts). */
  monitor: z
    .object({
      certificates: count,
      loadSeconds: rate,
      firstRun: z.object({ seconds: rate, notices: count, revoked: count, crlEntries: count }),
      secondRun: z.object({ seconds: rate, notices: count, revoked: count }),
      /** Older results files have none. */
      countSeconds: rate.optional(),
    })
    .optional(),
  /** The web console: its bundle and the first render of the devices page over 10,000 devices (cli/bench/console-bench.ts). */
  console: z
    .object({ bundleBytes: count, bundleGzipBytes: count, devices: count, firstRenderMs: z.object({ median: rate, min: rate, max: rate }), runs: count })
    .optional(),
  /** Bulk jobs on dynalite (cli/bench/bulk-bench.ts): the job in the load process, and beside dynalite in one process. */
  bulk: z
    .object({
      twoProcesses: bulkRunSchema,
      oneProcess: bulkRunSchema,
    })
    .optional(),
  /** Sections that could not be measured, with the reason. */
  failures: z.partialRecord(z.enum(BENCH_SECTIONS), z.string()).optional(),
});

export type EnrolRunFigures = z.infer<typeof enrolRunSchema>;
export type IssuanceFigures = z.infer<typeof issuanceSchema>;
export type IdleFigures = z.infer<typeof idleSchema>;
export type StoreFigures = z.infer<typeof storeSchema>;
export type BundleFigures = z.infer<typeof bundleSchema>;
export type MachineInfo = z.infer<typeof machineSchema>;
export type BenchResults = z.infer<typeof benchResultsSchema>;

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux: keep what os.cpus() says
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  };
}

/** The 1-minute load average. */
export function loadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

export const MIB = 1024 * 1024;

const fixed = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const percent = (fraction: number) => `${fixed(fraction * 100, 1)} %`;
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
const cpuEach = (phase: { storeCpuMsPerOperation: number; clientCpuMsPerOperation: number }) =>
  `CPU each: dynalite ${fixed(phase.storeCpuMsPerOperation, 2)} ms, client ${fixed(phase.clientCpuMsPerOperation, 2)} ms`;

/** Rows of figure, value and target, for the terminal. */
export function resultRows(results: BenchResults): Array<[string, string, string]> {
  const rows: Array<[string, string, string]> = [];
  for (const figures of [results.issuance, results.ec]) {
    if (!figures) continue;
    const label = figures.keyType === 'rsa' ? 'RSA-2048' : 'EC P-256';
    const per = figures.perIssuance;
    const manyAtOnce = figures.phones >= TARGETS.latencyPhones;
    rows.push(
      [`${label} issuance (${figures.phones} phones, ${figures.workers} workers)`, `${fixed(figures.perSecond, 1)}/s, ${percent(figures.fractionOfBound)} of the bound`, `${verdict(figures.fractionOfBound >= TARGETS.fractionOfBound)}: ≥ 25 % of the bound`],
      [`  bound: a TLS session and an LSC each, nothing else`, `${fixed(figures.tlsAndLscBoundPerSecond)}/s`, ''],
      [
        `  store calls per issuance: the enrolment's own; all (+ cache refreshes, audit batches)`,
        `${fixed(per.enrolmentStoreCalls, 2)}; ${fixed(per.storeCalls, 2)}`,
        `${verdict(per.enrolmentStoreCalls <= TARGETS.storeCallsPerIssuance)}: ≤ ${TARGETS.storeCallsPerIssuance} of its own`,
      ],
      [`  server CPU per issuance (listeners + store process)`, `${fixed(per.serverCpuMs, 1)} ms`, figures.keyType === 'rsa' ? `${verdict(per.serverCpuMs <= TARGETS.rsaServerCpuMs)}: ≤ ${TARGETS.rsaServerCpuMs} ms` : ''],
      [`  CPU per issuance: listener / store process / client`, `${fixed(per.listenerCpuMs, 1)} / ${fixed(per.storeProcessCpuMs, 1)} / ${fixed(per.clientCpuMs, 1)} ms`, ''],
      [`  session latency p50 / p99, all at once`, `${fixed(figures.latency.p50Ms)} / ${fixed(figures.latency.p99Ms)} ms`, manyAtOnce ? `${verdict(figures.latency.p99Ms < TARGETS.p99AtOnceMs)}: p99 < 1 s` : ''],
      [`  session latency p50 / p99, one at a time`, `${fixed(figures.oneAtATime.p50Ms, 1)} / ${fixed(figures.oneAtATime.p99Ms, 1)} ms`, ''],
      [`  raw ${label} signing, one core; ceiling (cores × raw / 2), share`, `${fixed(figures.rawSignsPerSecond)}/s; ${fixed(figures.ceilingPerSecond)}/s, ${percent(figures.fractionOfCeiling)}`, ''],
      [`  server alone (listeners + store CPU per issuance), share of ceiling`, `${fixed(figures.serverCapacityPerSecond)}/s, ${percent(fractionOfCeiling(figures.serverCapacityPerSecond, figures.ceilingPerSecond))}`, ''],
      [`  LSC builds, one core; TLS sessions through the cluster`, `${fixed(figures.lscPerSecond)}/s; ${fixed(figures.handshakesPerSecond)}/s`, ''],
      [`  TLS sessions, server alone (its CPU per session), share of ceiling`, `${fixed(figures.handshakeServerCapacityPerSecond)}/s, ${percent(fractionOfCeiling(figures.handshakeServerCapacityPerSecond, figures.ceilingPerSecond))}`, ''],
      [`  machine busy; client's share of it`, `${percent(figures.cpu.machineBusy)}; ${percent(figures.cpu.clientShare)}`, ''],
    );
    if (figures.failed > 0) rows.push([`  failed sessions`, `${figures.failed}: ${figures.errors.join('; ')}`, '']);
  }
  const idle = results.idle;
  if (idle) {
    const totalMiB = idle.listenerRssAfterMiB + idle.storeProcessRssMiB;
    rows.push(
      [`idle connections held (of ${fixed(idle.target)})`, `${fixed(idle.parked)} in ${fixed(idle.openSeconds, 1)} s`, `${verdict(idle.withinTarget)}: ${fixed(TARGETS.idleConnections)} under 1 GiB`],
      [`  server RSS (listeners + store process)`, `${fixed(totalMiB)} MiB`, ''],
      [`  memory per connection (listeners)`, `${fixed(idle.bytesPerConnection / 1024, 1)} KiB`, ''],
      [`  under that load: ${idle.underLoad.phones} phones at once, p50 / p99`, `${fixed(idle.underLoad.latency.p50Ms)} / ${fixed(idle.underLoad.latency.p99Ms)} ms (${fixed(idle.underLoad.perSecond, 1)}/s)`, ''],
      [`  under that load: one at a time, p50 / p99`, `${fixed(idle.oneAtATime.p50Ms, 1)} / ${fixed(idle.oneAtATime.p99Ms, 1)} ms`, ''],
    );
  }
  const store = results.store;
  if (store) {
    rows.push(
      [`store: device reads (dynalite, ${store.concurrency} at a time)`, `${fixed(store.deviceReads.perSecond)}/s (${cpuEach(store.deviceReads)})`, ''],
      [`store: certificate writes`, `${fixed(store.certificateWrites.perSecond)}/s (${cpuEach(store.certificateWrites)})`, ''],
      [`store: enrolments' store calls (${STORE_CALLS_PER_ENROLMENT} each)`, `${fixed(store.enrolmentCalls.perSecond, 1)}/s (${cpuEach(store.enrolmentCalls)})`, ''],
    );
  }
  const monitor = results.monitor;
  if (monitor) {
    const met = monitor.firstRun.seconds < 10 && monitor.secondRun.seconds < 10;
    rows.push(
      [
        `expiry monitor run over ${monitor.certificates} LSCs (dynalite): first (${monitor.firstRun.revoked} revoked, ${monitor.firstRun.notices} notices, CRL) / steady`,
        `${fixed(monitor.firstRun.seconds, 1)} / ${fixed(monitor.secondRun.seconds, 1)} s`,
        `${verdict(met)}: < 10 s`,
      ],
      ...(monitor.countSeconds === undefined ? [] : [[`  counting every LSC for the metrics, part of each run (10 COUNT queries on the notAfter index), timed alone`, `${fixed(monitor.countSeconds, 2)} s`, ''] as [string, string, string]]),
    );
  }
  const bulk = results.bulk;
  if (bulk) {
    const run = (r: { devices: number; perSecond: number; jobCpuMs: number; storeCpuMs: number }) => `${fixed(r.perSecond)} devices/s (CPU per device: job ${fixed(r.jobCpuMs, 2)} ms, store ${fixed(r.storeCpuMs, 2)} ms)`;
    rows.push(
      [`bulk job, ${fixed(bulk.twoProcesses.devices)} devices, unique strings (dynalite; job and store in two processes)`, run(bulk.twoProcesses), `${verdict(bulk.twoProcesses.perSecond >= TARGETS.bulkPerSecond)}: >= ${fixed(TARGETS.bulkPerSecond)}/s`],
      [`  the same over ${fixed(bulk.oneProcess.devices)} devices in one process (as capf serve runs a job)`, `${fixed(bulk.oneProcess.perSecond)} devices/s (CPU ${fixed(bulk.oneProcess.jobCpuMs, 2)} ms per device)`, ''],
    );
  }
  const web = results.console;
  if (web) {
    rows.push(
      [`console: client bundle, minified (gzipped)`, `${fixed(web.bundleBytes / 1000, 1)} kB (${fixed(web.bundleGzipBytes / 1000, 1)} kB)`, `${verdict(web.bundleBytes < TARGETS.consoleBundleBytes)}: < 300 kB`],
      [
        `console: first render of the devices page, ${web.devices} devices (chromium, median of ${web.runs})`,
        `${fixed(web.firstRenderMs.median)} ms (${fixed(web.firstRenderMs.min)}-${fixed(web.firstRenderMs.max)})`,
        `${verdict(web.firstRenderMs.median < TARGETS.consoleFirstRenderMs)}: < 1 s`,
      ],
    );
  }
  for (const [section, reason] of Object.entries(results.failures ?? {})) rows.push([`${section}: not measured`, reason, '']);
  for (const bundle of results.bundles ?? []) rows.push(...bundleRows(bundle));
  return rows;
}

function bundleRows(bundle: BundleFigures): [string, string, string][] {
  const size = `${fixed(bundle.bytes / 1000)} kB${bundle.totalBytes !== undefined && bundle.totalBytes !== bundle.bytes ? ` (of ${fixed(bundle.totalBytes / 1000)} kB)` : ''}`;
  if (bundle.importMs) {
    const met = bundle.bytes < TARGETS.bundleBytes && bundle.importMs.median < TARGETS.importMs;
    return [[`bundle ${bundle.function}: loaded at import, cold import (median of ${bundle.runs})`, `${size}, ${fixed(bundle.importMs.median)} ms`, `${verdict(met)}: < 1 MB, < 150 ms`]];
  }
  if (!bundle.startMs) return [[`bundle ${bundle.function}: size; start not measured`, `${size}; ${bundle.startNotMeasured ?? ''}`, '']];
  const start = bundle.startMs;
  const met = start.first < TARGETS.listenerStartMs && start.max < TARGETS.listenerStartMs;
  return [
    [`bundle ${bundle.function}: size, start to healthy (first start / restarts: median of ${bundle.runs - 1})`, `${size}, ${fixed(start.first)} / ${fixed(start.median)} ms`, `${verdict(met)}: < 2 s`],
    [`  its memory once healthy (RSS)`, `${fixed(bundle.idleRssMiB ?? 0, 1)} MiB`, ''],
  ];
}

export function formatTable(results: BenchResults): string {
  const rows = resultRows(results);
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const machine = results.machine;
  const load = `load average ${fixed(results.loadAverage.start, 2)} → ${fixed(results.loadAverage.end, 2)}`;
  const header = `capf bench: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${machine.platform}, ${results.startedAt}, ${load}`;
  return [header, ...rows.map(([figure, value, target]) => `${figure.padEnd(widths[0] as number)}  ${value.padEnd(widths[1] as number)}  ${target}`.trimEnd())].join('\n');
}
