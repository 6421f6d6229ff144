// The bulk function's definition in this process, on dynalite: an invocation whose time is already short stops before
// its first chunk, frees its lease and does not invoke itself (no progress: the sweep takes the job up, so a
// misconfigured timeout cannot loop); the next invocation with time runs the job to the end.
import { randomBytes } from 'node:crypto';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDynalite, type RunningDynalite } from '../../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { inProcessHandler } from '../../../functions/bootstrap.ts';
import { BULK_METRICS, bulkFunction, type BulkOutcome } from '../../../functions/bulk/bulk-function.ts';
import { BulkAdmin } from '../../../shared/admin/bulk-jobs.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { seedBulkDevices } from '../../support/bulk-seed.ts';

let dynalite: RunningDynalite;
let client: ReturnType<typeof createDynamoClient>;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = createDynamoClient(dynalite.endpoint);
});
afterAll(async () => {
  client.destroy();
  await dynalite.close();
});

/** A fresh table with `count` devices named SEP<prefix>..., and a fetch job over them (plus `extra` names). */
async function fetchJob(count: number, prefix: string, extra: string[] = []) {
  const tableName = `bulk-fn-${randomBytes(4).toString('hex')}`;
  await ensureTable(client, tableName);
  const names = await seedBulkDevices(client, tableName, count, prefix);
  const stores = createDynamoStores({ client, tableName });
  const bulk = new BulkAdmin({ stores, authStringKey: async () => new Uint8Array(32) });
  const { job } = await bulk.create('tester', { operation: 'fetch', selection: extra.length ? { names: [...names, ...extra] } : { prefix: `SEP${prefix}` } });
  return { names, stores, bulk, job: job! };
}

describe('bulk function', () => {
  it('stops without progress when time is short, frees the lease, does not re-invoke; the next invocation finishes', { timeout: 60_000 }, async () => {
    const { names, stores, bulk, job } = await fetchJob(30, 'E');
    const continued: string[] = [];
    const invoke = inProcessHandler(bulkFunction(async () => ({ bulk, continueJob: async (id) => void continued.push(id) }))) as (event: unknown, context?: object) => Promise<BulkOutcome>;

    const short = await invoke({ jobId: job.id }, { awsRequestId: 'short', getRemainingTimeInMillis: () => 10_000 });
    expect(short.jobs).toEqual([{ id: job.id, state: 'running', done: 0, failed: 0, total: 30, continued: false }]);
    expect(continued).toEqual([]);
    expect((await bulk.show(job.id)).job).not.toHaveProperty('leaseOwner');

    const long = await invoke({ jobId: job.id }, { awsRequestId: 'long', getRemainingTimeInMillis: () => 800_000 });
    expect(long.jobs).toEqual([{ id: job.id, state: 'done', done: 30, failed: 0, total: 30, continued: false }]);
    expect(continued).toEqual([]);
    for (const name of names) expect(await stores.devices.get(name)).toMatchObject({ version: 2, operation: 'fetch' });
  });

  it("publishes a job's counts once, from the run that ends it (EMF)", { timeout: 60_000 }, async () => {
    const { bulk, job } = await fetchJob(12, 'C', ['SEPC0000000FFFF']);
    const metrics = new Metrics({ namespace: 'capf-test', serviceName: 'capf-bulk-test' });
    const invoke = inProcessHandler(bulkFunction(async () => ({ bulk, continueJob: async () => undefined })), { metrics }) as (event: unknown, context?: object) => Promise<BulkOutcome>;
    const published = async (event: object, context: object): Promise<Record<string, unknown>> => {
      const output: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      });
      try {
        await invoke(event, context);
        metrics.publishStoredMetrics();
      } finally {
        vi.restoreAllMocks();
      }
      const blobs = output.join('').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      return blobs.find((blob) => '_aws' in blob && BULK_METRICS.jobsEnded in blob) ?? {};
    };

    // Short of time: nothing ran, nothing ended.
    expect(await published({ jobId: job.id }, { awsRequestId: 'short', getRemainingTimeInMillis: () => 10_000 })).toMatchObject({ BulkJobsEnded: 0, BulkDevicesUpdated: 0, BulkRunsContinued: 0 });
    // The run that ends it: 12 devices updated, the missing one failed.
    expect(await published({ jobId: job.id }, { awsRequestId: 'long', getRemainingTimeInMillis: () => 800_000 })).toMatchObject({ BulkJobsEnded: 1, BulkDevicesUpdated: 12, BulkDevicesFailed: 1, BulkRunsContinued: 0 });
    // A later invocation for the ended job runs nothing and counts nothing again.
    expect(await published({ jobId: job.id }, { awsRequestId: 'again', getRemainingTimeInMillis: () => 800_000 })).toMatchObject({ BulkJobsEnded: 0, BulkDevicesUpdated: 0, BulkDevicesFailed: 0 });
  });
});
