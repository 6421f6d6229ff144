// Bulk jobs (issue 14): install jobs with a unique generated string per device and a deadline, the heaviest kind
// (each device read, edited, its string derived and hashed, and written conditionally on its version and the job's
// marker), over devices seeded straight into dynalite on disk first (not timed). Timed: from the run's start (it
// fixes the target list) to the job done, its chunks committed as it goes.
//   two processes: the job in the load process, dynalite in this one (the store bench's split: the store's process
//     and its client each get a core), over BULK_BENCH_DEVICES devices;
//   one process: the job beside dynalite in this process, as `capf serve` runs a job (in the process that holds the
//     store), over a quarter as many.
// Goal: >= 2,000 devices/s on two cores.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevice } from '../../shared/domain/device-transitions.ts';
import { deviceIndexKeys } from '../../shared/store/dynamo-device-index.ts';
import { ensureTable } from '../../shared/store/dynamo-stores.ts';
import { deviceKey, openDynamoTable } from '../../shared/store/dynamo-table.ts';
import { startDynalite } from '../local/dynalite.ts';
import { createDynamoClient, LOCAL_TABLE_NAME } from '../local/local-store.ts';
import { runBulkJob, type BulkJobOutcome } from './bulk-load.ts';
import type { LoadProcess } from './load-client.ts';
import { putItems } from './seed-items.ts';
import { round } from './statistics.ts';

export const BULK_BENCH_DEVICES = 10_000;

export interface BulkRunFigures {
  devices: number;
  seconds: number;
  perSecond: number;
  /** CPU per device: the job's process, and dynalite's (the same process in the one-process run). */
  jobCpuMs: number;
  storeCpuMs: number;
}

async function seed(client: ReturnType<typeof createDynamoClient>, prefix: string, count: number): Promise<void> {
  const now = new Date().toISOString();
  await putItems(openDynamoTable(client, LOCAL_TABLE_NAME).doc, LOCAL_TABLE_NAME, count, (i) => {
    const name = `SEP${prefix}${String(i).padStart(12 - prefix.length, '0')}`;
    const device = createDevice({ name, operation: 'none', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' }, now);
    return { ...deviceKey(name), ...deviceIndexKeys(device), ...device };
  });
}

function figures(devices: number, outcome: BulkJobOutcome, storeCpuMicros: number): BulkRunFigures {
  return {
    devices,
    seconds: round(outcome.wallMs / 1000, 2),
    perSecond: round((devices * 1000) / outcome.wallMs),
    jobCpuMs: round(outcome.cpuMicros / 1000 / devices, 3),
    storeCpuMs: round(storeCpuMicros / 1000 / devices, 3),
  };
}

export async function benchBulk(options: { load: LoadProcess; devices?: number }, progress: (line: string) => void): Promise<{ twoProcesses: BulkRunFigures; oneProcess: BulkRunFigures }> {
  const devices = options.devices ?? BULK_BENCH_DEVICES;
  const inProcess = Math.max(1, Math.round(devices / 4));
  const dataDir = await mkdtemp(join(tmpdir(), 'capf-bench-bulk-'));
  const dynalite = await startDynalite({ path: join(dataDir, 'db') });
  const client = createDynamoClient(dynalite.endpoint);
  try {
    await ensureTable(client, LOCAL_TABLE_NAME);
    await seed(client, '2', devices);
    await seed(client, '3', inProcess);
    progress(`capf bench: bulk: ${devices + inProcess} devices seeded; the job in the load process over ${devices}`);
    const storeBefore = process.cpuUsage();
    const { outcome } = await options.load.run({ type: 'bulk', request: { endpoint: dynalite.endpoint, prefix: 'SEP2', devices } }, 1_800_000);
    const store = process.cpuUsage(storeBefore);
    const twoProcesses = figures(devices, outcome, store.user + store.system);
    progress(`capf bench: bulk: ${twoProcesses.perSecond}/s; the job in this process over ${inProcess}`);
    const alone = await runBulkJob({ endpoint: dynalite.endpoint, prefix: 'SEP3', devices: inProcess });
    const oneProcess = { ...figures(inProcess, alone, alone.cpuMicros), jobCpuMs: round(alone.cpuMicros / 1000 / inProcess, 3) };
    return { twoProcesses, oneProcess };
  } finally {
    client.destroy();
    await dynalite.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
