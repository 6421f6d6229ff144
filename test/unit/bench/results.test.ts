// bench/results.json: the schema every run is checked against, the table printed from it, and the --only parser.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { parseSections } from '../../../cli/bench/command.ts';
import { benchResultsSchema, formatTable, machineInfo, resultRows, type BenchResults, type IssuanceFigures } from '../../../cli/bench/results.ts';
import { summarizeLatencies } from '../../../cli/bench/statistics.ts';

const latency = summarizeLatencies([20, 25, 30, 2_000]);

function issuance(keyType: 'rsa' | 'ec', perSecond: number, ceilingPerSecond: number): IssuanceFigures {
  return {
    keyType,
    phones: 200,
    workers: 2,
    distinctKeys: 32,
    succeeded: 200,
    failed: 0,
    errors: [],
    seconds: 200 / perSecond,
    perSecond,
    latency,
    oneAtATime: latency,
    rawSignsPerSecond: ceilingPerSecond,
    lscPerSecond: 0.86 * ceilingPerSecond,
    ceilingPerSecond,
    fractionOfCeiling: perSecond / ceilingPerSecond,
    handshakesPerSecond: 700,
    serverCapacityPerSecond: 180,
    handshakeServerCapacityPerSecond: 1500,
    tlsAndLscBoundPerSecond: 1100,
    cpu: { listenerSeconds: 3.3, storeProcessSeconds: 1, clientSeconds: 0.3, clientShare: 0.06, machineBusy: 0.95 },
    storeCalls: { getDevice: { perIssuance: 2, meanMs: 60 }, markInProgress: { perIssuance: 1, meanMs: 120 } },
    perIssuance: { storeCalls: 4.07, enrolmentStoreCalls: 4, serverCpuMs: 21.5, listenerCpuMs: 16.5, storeProcessCpuMs: 5, clientCpuMs: 1.5 },
    fractionOfBound: perSecond / 1100,
  };
}

function sample(): BenchResults {
  return {
    schema: 1,
    startedAt: '2026-11-27T08:00:00.000Z',
    finishedAt: '2026-11-27T08:02:00.000Z',
    machine: { cpus: 2, cpuModel: 'AMD EPYC', node: 'v20.20.2', platform: 'linux x64', memoryGiB: 23.5 },
    loadAverage: { start: 1.29, end: 2.5 },
    options: { phones: 200, idleConnections: 10_000, workers: 2, only: ['issuance', 'ec', 'idle', 'store', 'bundles'] },
    issuance: issuance('rsa', 80, 4_000),
    ec: issuance('ec', 2_700, 4_000),
    idle: {
      target: 10_000,
      parked: 10_000,
      failed: 0,
      errors: [],
      workers: 2,
      openSeconds: 16.9,
      listenerRssBeforeMiB: 251.3,
      listenerRssAfterMiB: 511.9,
      storeProcessRssMiB: 139.7,
      bytesPerConnection: 27_331,
      clientRssMiB: 647.4,
      withinTarget: true,
      underLoad: { phones: 200, succeeded: 200, failed: 0, errors: [], seconds: 3.5, perSecond: 57.5, latency },
      oneAtATime: latency,
    },
    store: {
      concurrency: 16,
      deviceReads: { operations: 3_000, perSecond: 1_684, storeCpuMsPerOperation: 0.19, clientCpuMsPerOperation: 0.78 },
      certificateWrites: { operations: 3_000, perSecond: 1_934, storeCpuMsPerOperation: 0.34, clientCpuMsPerOperation: 0.52 },
      enrolmentCalls: { operations: 500, perSecond: 229, storeCpuMsPerOperation: 3.27, clientCpuMsPerOperation: 4.14 },
    },
    bundles: [
      { function: 'sign', bytes: 817_899, totalBytes: 1_900_000, importMs: { median: 245.9, min: 240.1, max: 267.3 }, runs: 5 },
      { function: 'listener', bytes: 1_456_000, totalBytes: 1_456_000, startMs: { first: 2_400, median: 610, min: 580, max: 700 }, idleRssMiB: 92.5, runs: 6 },
    ],
  };
}

describe('the results schema', () => {
  it('accepts a complete run, and one that measured only some sections', () => {
    expect(benchResultsSchema.parse(sample())).toEqual(sample());
    const partial = { ...sample(), options: { ...sample().options, only: ['store'] } };
    delete (partial as Partial<BenchResults>).issuance;
    delete (partial as Partial<BenchResults>).ec;
    expect(benchResultsSchema.safeParse(partial).success).toBe(true);
  });

  it('survives a JSON round trip unchanged', () => {
    expect(benchResultsSchema.parse(JSON.parse(JSON.stringify(sample())))).toEqual(sample());
  });

  it('refuses a wrong schema version, a negative rate, an unknown section, a missing machine or a bad date', () => {
    const broken: Array<[string, unknown]> = [
      ['schema 2', { ...sample(), schema: 2 }],
      ['negative rate', { ...sample(), issuance: { ...sample().issuance, perSecond: -1 } }],
      ['unknown section', { ...sample(), options: { ...sample().options, only: ['issuance', 'speed'] } }],
      ['no machine', { ...sample(), machine: undefined }],
      ['bad date', { ...sample(), startedAt: 'yesterday' }],
      ['key type', { ...sample(), ec: { ...sample().ec, keyType: 'dsa' } }],
    ];
    for (const [what, value] of broken) expect(benchResultsSchema.safeParse(value).success, what).toBe(false);
  });
});

describe('the table', () => {
  it('states each target and whether it was met', () => {
    const rows = resultRows(sample());
    const row = (start: string) => rows.find(([figure]) => figure.startsWith(start));
    expect(row('RSA-2048 issuance')?.[1]).toBe('80.0/s, 7.3 % of the bound'); // 80 of 1,100
    expect(row('RSA-2048 issuance')?.[2]).toBe('NOT met: ≥ 25 % of the bound');
    expect(row('EC P-256 issuance')?.[2]).toBe('met: ≥ 25 % of the bound'); // 2,700 of 1,100
    expect(row('  store calls per issuance')?.slice(1)).toEqual(['4.00; 4.07', 'met: ≤ 4 of its own']);
    const more = sample();
    more.issuance!.perIssuance.enrolmentStoreCalls = 4.5;
    expect(resultRows(more).find(([figure]) => figure.startsWith('  store calls per issuance'))?.[2]).toBe('NOT met: ≤ 4 of its own');
    expect(row('  server CPU per issuance')?.slice(1)).toEqual(['21.5 ms', 'NOT met: ≤ 5 ms']);
    expect(row('  session latency p50 / p99, all at once')?.[2]).toBe('NOT met: p99 < 1 s'); // 2,000 ms
    expect(row('idle connections')?.[2]).toBe('met: 10,000 under 1 GiB');
    expect(row('  server RSS')?.[1]).toBe('652 MiB');
    expect(row('bundle sign')?.[1]).toBe('818 kB (of 1,900 kB), 246 ms');
    expect(row('bundle sign')?.[2]).toBe('NOT met: < 1 MB, < 150 ms');
    expect(row('bundle listener')?.[1]).toBe('1,456 kB, 2,400 / 610 ms');
    expect(row('bundle listener')?.[2]).toBe('NOT met: < 2 s'); // the first start took 2.4 s
    expect(row('  its memory once healthy')?.[1]).toBe('92.5 MiB');
    expect(row("store: enrolments' store calls")?.[1]).toBe('229.0/s (CPU each: dynalite 3.27 ms, client 4.14 ms)');
    expect(row('  CPU per issuance')?.[1]).toBe('16.5 / 5.0 / 1.5 ms');
  });

  it('names the machine and prints one line per row', () => {
    const text = formatTable(sample());
    expect(text.split('\n')[0]).toBe('capf bench: 2 × AMD EPYC, Node v20.20.2, linux x64, 2026-11-27T08:00:00.000Z, load average 1.29 → 2.50');
    expect(text.split('\n')).toHaveLength(resultRows(sample()).length + 1);
  });

  it('says which sections could not be measured, and why', () => {
    const results = { ...sample(), failures: { idle: 'EMFILE: too many open files' } };
    expect(benchResultsSchema.safeParse(results).success).toBe(true);
    expect(benchResultsSchema.safeParse({ ...sample(), failures: { speed: 'no' } }).success).toBe(false);
    expect(resultRows(results)).toContainEqual(['idle: not measured', 'EMFILE: too many open files', '']);
  });

  it('says when the listener start could not be measured, and why, keeping its size', () => {
    const results = sample();
    results.bundles = [{ function: 'listener', bytes: 1_456_000, totalBytes: 1_456_000, startNotMeasured: 'capf: no python3', runs: 0 }];
    expect(resultRows(results)).toContainEqual(['bundle listener: size; start not measured', '1,456 kB; capf: no python3', '']);
  });

  it('lists failed sessions with their reasons', () => {
    const results = sample();
    results.issuance = { ...issuance('rsa', 80, 4_000), failed: 3, errors: ['END_SESSION reason 7'] };
    expect(resultRows(results)).toContainEqual(['  failed sessions', '3: END_SESSION reason 7', '']);
  });
});

describe('the machine', () => {
  it('is described by cores, CPU model, Node version and platform', () => {
    const machine = machineInfo();
    expect(machine.cpus).toBeGreaterThanOrEqual(1);
    expect(machine.cpuModel.length).toBeGreaterThan(0);
    expect(machine.node).toBe(process.version);
    expect(machine.platform).toBe(`${process.platform} ${process.arch}`);
  });
});

describe('--only', () => {
  it('takes a comma-separated list of sections, without repeats', () => {
    expect(parseSections('issuance,ec')).toEqual(['issuance', 'ec']);
    expect(parseSections(' store , store,bundles')).toEqual(['store', 'bundles']);
  });

  it('refuses unknown or empty lists', () => {
    expect(() => parseSections('issuance,speed')).toThrow(InvalidArgumentError);
    expect(() => parseSections(',')).toThrow(InvalidArgumentError);
  });
});
