// A job the local admin API starts "now" runs in the background of the server's process; closing the server (capf
// serve stopping) stops it at its next chunk and frees its lease, and the next runner (the timer of the next start)
// continues it at once: every device written exactly once across the two runs.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_FILE, startLocalAdminApi } from '../../../cli/local/admin-server.ts';
import { loadOrCreateAuthStringKey } from '../../../cli/local/auth-string-key.ts';
import { startDynalite, type RunningDynalite } from '../../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { BulkAdmin } from '../../../shared/admin/bulk-jobs.ts';
import { createLogger } from '../../../shared/logging.ts';
import type { BulkJob, Stores } from '../../../shared/ports/index.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { seedBulkDevices } from '../../support/bulk-seed.ts';

const DEVICES = 5000;
let dataDir: string;
let dynalite: RunningDynalite;
let client: ReturnType<typeof createDynamoClient>;
let stores: Stores;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'capf-bulk-api-run-'));
  dynalite = await startDynalite();
  client = createDynamoClient(dynalite.endpoint);
  await ensureTable(client, 'capf');
  stores = createDynamoStores({ client, tableName: 'capf' });
  await seedBulkDevices(client, 'capf', DEVICES, '7');
}, 120_000);
afterAll(async () => {
  client.destroy();
  await dynalite.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a bulk job started by the local admin API', () => {
  it('runs in the background, stops with the server (lease freed), and the next runner finishes it once', { timeout: 600_000 }, async () => {
    const api = await startLocalAdminApi({ dataDir, stores, port: 0, logger: createLogger('bulk-api-run-test', 'error') });
    const token = (await readFile(join(dataDir, ADMIN_TOKEN_FILE), 'utf8')).trim();
    const request = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return (await response.json()) as { job: BulkJob & { remaining?: number } };
    };
    let id: string;
    try {
      id = (await request('POST', '/v1/bulk-jobs', { operation: 'install', selection: { prefix: 'SEP7' }, generateStrings: true })).job.id;
      let job = (await request('GET', `/v1/bulk-jobs/${id}`)).job;
      for (let i = 0; i < 3000 && job.done === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        job = (await request('GET', `/v1/bulk-jobs/${id}`)).job;
      }
      expect(job).toMatchObject({ state: 'running', total: DEVICES });
    } finally {
      await api.close(); // waits for the run to stop at its next chunk
    }
    const stopped = (await stores.bulk.get(id))!;
    expect(stopped.state).toBe('running');
    expect(stopped.leaseOwner).toBeUndefined(); // freed: the next runner need not wait for it to expire
    expect(stopped.done).toBeLessThan(DEVICES);

    const key = (await loadOrCreateAuthStringKey(dataDir)).key;
    const next = new BulkAdmin({ stores, authStringKey: async () => key });
    const [finished] = await next.runDue({ owner: 'next-start' });
    expect(finished).toMatchObject({ id, state: 'done', done: DEVICES, failed: 0 });
    const devices = (await stores.devices.list()).filter((d) => d.name.startsWith('SEP7'));
    expect(devices).toHaveLength(DEVICES);
    expect(devices.every((d) => d.version === 2 && d.operation === 'install' && d.authMode === 'auth-string')).toBe(true);
    const strings = await next.strings('local', id);
    expect(new Set(strings.map((s) => s.authString)).size).toBe(DEVICES);
  });
});
