// Issue 14: DynamoDB throttling during a bulk job. A proxy in front of dynalite and of moto_server answers a quarter of
// the requests with ProvisionedThroughputExceededException or ThrottlingException (400, DynamoDB's JSON error body),
// and loses the answer of some device and job writes that did reach the table (500 after forwarding). The job is run,
// and run again after a run gives up, as the sweep would, until it ends: every device is updated exactly once (version
// 1 -> 2, the job's marker), none is lost or counted twice, every generated string is unique and matches its device.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDynalite, type RunningDynalite } from '../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../cli/local/local-store.ts';
import { BulkAdmin } from '../../shared/admin/bulk-jobs.ts';
import { hashAuthString } from '../../shared/domain/auth-string.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import { seedBulkDevices } from '../support/bulk-seed.ts';
import { startThrottleProxy, type ThrottleProxy } from '../support/throttle-proxy.ts';

const KEY = new Uint8Array(randomBytes(32));

const BACKENDS = [
  { name: 'dynalite', devices: 1000, start: async () => startDynalite() },
  { name: 'moto_server', devices: 300, start: async () => ({ endpoint: inject('motoEndpoint'), close: async () => undefined }) },
] as const;

describe.each(BACKENDS)('bulk job under throttling on $name', ({ devices, start }) => {
  let backend: Pick<RunningDynalite, 'endpoint' | 'close'>;
  let proxy: ThrottleProxy;

  beforeAll(async () => {
    backend = await start();
    proxy = await startThrottleProxy({ target: backend.endpoint, throttle: 0.25, lostAnswer: 0.1, loseAnswersOf: ['UpdateItem'], seed: 1403 });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await backend?.close();
  });

  it('updates every device exactly once, loses none, counts each once; strings unique', { timeout: 600_000 }, async () => {
    // Set-up on the healthy endpoint; the run goes through the throttling one.
    const direct = createDynamoClient(backend.endpoint);
    const tableName = `bulk-throttle-${randomBytes(4).toString('hex')}`;
    await ensureTable(direct, tableName);
    const names = await seedBulkDevices(direct, tableName, devices, 'C');
    const stores = createDynamoStores({ client: direct, tableName });
    const healthy = new BulkAdmin({ stores, authStringKey: async () => KEY });
    const { job } = await healthy.create('tester', { operation: 'install', selection: { prefix: 'SEPC' }, generateStrings: true });

    // Few SDK retries, so most throttles reach the bulk store's own backoff.
    const throttledClient = createDynamoClient(proxy.endpoint, 2);
    const throttled = new BulkAdmin({ stores: createDynamoStores({ client: throttledClient, tableName }), authStringKey: async () => KEY });
    let state = 'scheduled';
    let runs = 0;
    while (state !== 'done' && runs < 40) {
      runs++;
      try {
        await throttled.run(job!.id, { owner: 'throttled-runner' });
      } catch {
        // A call out of retries (the job's read, the audit event): the next run continues where this one stopped.
      }
      state = (await healthy.show(job!.id)).job.state;
    }
    proxy.heal();
    throttledClient.destroy();

    expect(state).toBe('done');
    // The faults really happened, on the device reads and writes and on the job's own writes.
    expect(proxy.throttled.get('UpdateItem') ?? 0).toBeGreaterThan(devices / 10);
    expect(proxy.throttled.get('BatchGetItem') ?? 0).toBeGreaterThan(0);
    expect(proxy.lost.get('UpdateItem') ?? 0).toBeGreaterThan(devices / 50);

    const shown = (await healthy.show(job!.id)).job;
    expect(shown).toMatchObject({ state: 'done', done: devices, failed: 0, total: devices });
    const strings = await healthy.strings('tester', job!.id);
    expect(strings).toHaveLength(devices);
    expect(new Set(strings.map((s) => s.authString)).size).toBe(devices);
    const byName = new Map(strings.map((s) => [s.name, s.authString]));
    const stored = (await stores.devices.list()).filter((d) => d.name.startsWith('SEPC'));
    expect(stored.map((d) => d.name).sort()).toEqual(names);
    for (const device of stored) {
      expect(device.version).toBe(2); // written once: a retried write that had landed failed its condition harmlessly
      expect(device).toMatchObject({ operation: 'install', status: 'pending', authMode: 'auth-string' });
      expect(device.authString).toBe(hashAuthString(byName.get(device.name)!, KEY));
    }
    direct.destroy();
  });
});
