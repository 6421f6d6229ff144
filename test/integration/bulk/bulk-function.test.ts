// The bulk function's definition in this process, on dynalite: an invocation whose time is already short stops before
// its first chunk, frees its lease and does not invoke itself (no progress: the sweep takes the job up, so a
// misconfigured timeout cannot loop); the next invocation with time runs the job to the end.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type RunningDynalite } from '../../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { inProcessHandler } from '../../../functions/bootstrap.ts';
import { bulkFunction, type BulkOutcome } from '../../../functions/bulk/bulk-function.ts';
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

describe('bulk function', () => {
  it('stops without progress when time is short, frees the lease, does not re-invoke; the next invocation finishes', { timeout: 60_000 }, async () => {
    const tableName = `bulk-fn-${randomBytes(4).toString('hex')}`;
    await ensureTable(client, tableName);
    const names = await seedBulkDevices(client, tableName, 30, 'E');
    const stores = createDynamoStores({ client, tableName });
    const bulk = new BulkAdmin({ stores, authStringKey: async () => new Uint8Array(32) });
    const { job } = await bulk.create('tester', { operation: 'fetch', selection: { prefix: 'SEPE' } });
    const continued: string[] = [];
    const invoke = inProcessHandler(bulkFunction(async () => ({ bulk, continueJob: async (id) => void continued.push(id) }))) as (event: unknown, context?: object) => Promise<BulkOutcome>;

    const short = await invoke({ jobId: job!.id }, { awsRequestId: 'short', getRemainingTimeInMillis: () => 10_000 });
    expect(short.jobs).toEqual([{ id: job!.id, state: 'running', done: 0, failed: 0, total: 30, continued: false }]);
    expect(continued).toEqual([]);
    expect((await bulk.show(job!.id)).job).not.toHaveProperty('leaseOwner');

    const long = await invoke({ jobId: job!.id }, { awsRequestId: 'long', getRemainingTimeInMillis: () => 800_000 });
    expect(long.jobs).toEqual([{ id: job!.id, state: 'done', done: 30, failed: 0, total: 30, continued: false }]);
    expect(continued).toEqual([]);
    for (const name of names) expect(await stores.devices.get(name)).toMatchObject({ version: 2, operation: 'fetch' });
  });
});
