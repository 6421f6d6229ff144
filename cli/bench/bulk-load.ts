// The bulk bench's job (cli/bench/bulk-bench.ts), run in the load process against the bench's dynalite, or in the
// bench's own process beside it (as `capf serve` runs a job, in the process that holds the store): one install job
// with a unique generated string per device and a deadline over every device whose name starts with `prefix`.
import { randomBytes } from 'node:crypto';
import { BulkAdmin } from '../../shared/admin/bulk-jobs.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';
import { createDynamoClient, LOCAL_TABLE_NAME } from '../local/local-store.ts';

export interface BulkJobRequest {
  endpoint: string;
  prefix: string;
  devices: number;
}

export interface BulkJobOutcome {
  done: number;
  failed: number;
  /** From the run's start (it fixes the target list) to the job done. */
  wallMs: number;
  /** This process's CPU time over the run. */
  cpuMicros: number;
}

export async function runBulkJob(request: BulkJobRequest): Promise<BulkJobOutcome> {
  const client = createDynamoClient(request.endpoint);
  try {
    const key = new Uint8Array(randomBytes(32));
    const bulk = new BulkAdmin({ stores: createDynamoStores({ client, tableName: LOCAL_TABLE_NAME }), authStringKey: async () => key });
    const completesBy = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const created = await bulk.create('bench', { operation: 'install', selection: { prefix: request.prefix }, generateStrings: true, completesBy });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const job = await bulk.run(created.job!.id, { owner: 'bench' });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    if (job?.state !== 'done' || job.done !== request.devices) throw new Error(`the bench job ended ${job?.state ?? 'unclaimed'} with ${job?.done ?? 0} of ${request.devices} done`);
    return { done: job.done, failed: job.failed, wallMs, cpuMicros: cpu.user + cpu.system };
  } finally {
    client.destroy();
  }
}
