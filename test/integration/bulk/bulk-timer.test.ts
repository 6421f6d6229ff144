// The local timer of `capf serve` runs a bulk job once its time has come, and not before.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type RunningDynalite } from '../../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { startBulkTimer } from '../../../cli/local/bulk-timer.ts';
import { BulkAdmin } from '../../../shared/admin/bulk-jobs.ts';
import { createLogger } from '../../../shared/logging.ts';
import type { Stores } from '../../../shared/ports/index.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';

let dynalite: RunningDynalite;
let client: ReturnType<typeof createDynamoClient>;
let stores: Stores;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = createDynamoClient(dynalite.endpoint);
  await ensureTable(client, 'capf');
  stores = createDynamoStores({ client, tableName: 'capf' });
});
afterAll(async () => {
  client.destroy();
  await dynalite.close();
});

describe('bulk timer', () => {
  it('runs a scheduled job when it is due', { timeout: 60_000 }, async () => {
    for (const name of ['SEP00000000D001', 'SEP00000000D002']) await stores.devices.put({ name, operation: 'none', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' });
    const bulk = new BulkAdmin({ stores, authStringKey: async () => new Uint8Array(randomBytes(32)) });
    const runAt = new Date(Date.now() + 1_500).toISOString();
    const { job } = await bulk.create('tester', { operation: 'fetch', selection: { prefix: 'SEP00000000D' }, runAt });
    const timer = startBulkTimer(bulk, createLogger('bulk-timer-test', 'error'), 200);
    try {
      expect((await bulk.show(job!.id)).job.state).toBe('scheduled');
      let state = 'scheduled';
      for (let i = 0; i < 200 && state !== 'done'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        state = (await bulk.show(job!.id)).job.state;
      }
      expect(state).toBe('done');
      expect((await bulk.show(job!.id)).job.startedAt! >= runAt).toBe(true);
      expect((await stores.devices.get('SEP00000000D002'))?.operation).toBe('fetch');
    } finally {
      await timer.stop();
    }
  });
});
