// Bulk jobs on dynalite and moto_server: a 5,000-device install with a unique generated string per device, cut short
// half-way through a chunk (the run dies between device writes and never commits) and resumed by another runner;
// every device updated exactly once (version 1 -> 2), every string unique and matching the device's keyed hash, shown
// once. Also: a query selection with dry run, cancel, and a due job found by runDue.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkAdmin, BULK_CHUNK } from '../../../shared/admin/bulk-jobs.ts';
import { hashAuthString } from '../../../shared/domain/auth-string.ts';
import type { BulkStore, Stores } from '../../../shared/ports/index.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { seedBulkDevices } from '../../support/bulk-seed.ts';
import { BACKENDS_OWN_MOTO } from '../store/store-backends.ts';

const KEY = new Uint8Array(randomBytes(32));
const DEVICES = 5000;

// Its own moto_server: the two 5,000-device jobs are the run's heaviest moto traffic.
describe.each(BACKENDS_OWN_MOTO)('bulk jobs on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  let stores: Stores;

  const seed = (count: number, prefix: string) => seedBulkDevices(connection.client, tableName, count, prefix);
  let tableName: string;

  beforeAll(async () => {
    connection = await backend.connect();
    tableName = `bulk-${randomBytes(4).toString('hex')}`;
    await ensureTable(connection.client, tableName);
    stores = createDynamoStores({ client: connection.client, tableName });
  }, 120_000);
  afterAll(async () => {
    await connection.close();
  });

  it('a 5,000-device job with unique strings, killed half-way through a chunk, resumes and updates each device once', { timeout: 1_200_000 }, async () => {
    const names = await seed(DEVICES, '1');
    // The first runner dies in chunk 7 after writing half its devices: no commit, its lease left behind.
    const dying: BulkStore = Object.create(stores.bulk) as BulkStore;
    dying.apply = async (id, chunkNames, firstIndex, edit) => {
      if (firstIndex !== 7 * BULK_CHUNK) return stores.bulk.apply(id, chunkNames, firstIndex, edit);
      await stores.bulk.apply(id, chunkNames.slice(0, BULK_CHUNK / 2), firstIndex, edit);
      throw new Error('killed');
    };
    const first = new BulkAdmin({ stores: { ...stores, bulk: dying }, authStringKey: async () => KEY });
    const created = await first.create('tester', { operation: 'install', selection: { prefix: 'SEP1' }, generateStrings: true, completesBy: new Date(Date.now() + 86_400_000).toISOString() });
    expect(created.count).toBe(DEVICES);
    const id = created.job!.id;
    await expect(first.run(id, { owner: 'runner-1' })).rejects.toThrow('killed');
    const cut = (await first.show(id)).job;
    expect(cut).toMatchObject({ state: 'running', nextChunk: 7, done: 7 * BULK_CHUNK, total: DEVICES });
    expect(await new BulkAdmin({ stores, authStringKey: async () => KEY }).run(id, { owner: 'runner-2' })).toBeUndefined(); // the lease still holds

    // Two minutes later (the lease, 60 s, has expired) another runner takes over.
    const later = () => new Date(Date.now() + 120_000);
    const second = new BulkAdmin({ stores: createDynamoStores({ client: connection.client, tableName, now: later }), authStringKey: async () => KEY, now: later });
    const progress: number[] = [];
    const finished = await second.run(id, { owner: 'runner-2', onProgress: (job) => progress.push(job.done) });
    expect(finished).toMatchObject({ state: 'done', done: DEVICES, failed: 0, total: DEVICES });
    expect(progress[0]).toBe(8 * BULK_CHUNK);
    expect(JSON.stringify(finished)).not.toContain('stringSeed');

    await expect(second.strings('tester', 'bad')).rejects.toMatchObject({ code: 'INVALID_JOB_ID' });
    // Page by page (8 chunks a page here), each page once and in order.
    const paged = new BulkAdmin({ stores: createDynamoStores({ client: connection.client, tableName, now: later }), authStringKey: async () => KEY, now: later, stringsPageChunks: 8 });
    const page1 = await paged.stringsPage('tester', id, 0);
    expect(page1).toMatchObject({ next: 8 });
    expect(page1.strings).toHaveLength(8 * BULK_CHUNK);
    await expect(paged.stringsPage('tester', id, 0)).rejects.toMatchObject({ code: 'STRINGS_PAGE_SHOWN' });
    await expect(paged.stringsPage('tester', id, 16)).rejects.toMatchObject({ code: 'STRINGS_PAGE_SHOWN' });
    const page2 = await paged.stringsPage('tester', id, 8);
    expect(page2.next).toBe(16);
    expect((await paged.show(id)).job).toMatchObject({ stringsNext: 16 });
    const page3 = await paged.stringsPage('tester', id, 16);
    expect(page3).not.toHaveProperty('next');
    expect((await paged.show(id)).job).not.toHaveProperty('stringsNext');
    const strings = [...page1.strings, ...page2.strings, ...page3.strings];
    expect(strings).toHaveLength(DEVICES);
    expect(new Set(strings.map((s) => s.authString)).size).toBe(DEVICES);
    const byName = new Map(strings.map((s) => [s.name, s.authString]));
    const devices = (await stores.devices.list()).filter((d) => d.name.startsWith('SEP1'));
    expect(devices).toHaveLength(DEVICES);
    for (const device of devices) {
      expect(device.version).toBe(2); // written once, never twice
      expect(device).toMatchObject({ operation: 'install', status: 'pending', authMode: 'auth-string' });
      expect(device.authString).toBe(hashAuthString(byName.get(device.name)!, KEY));
    }
    expect(names.every((n) => byName.has(n))).toBe(true);
    await expect(second.strings('tester', id)).rejects.toMatchObject({ code: 'STRINGS_SHOWN' });
    const events = (await stores.audit.list({ since: new Date(Date.now() - 3_600_000).toISOString(), until: new Date(Date.now() + 600_000).toISOString(), limit: 100 })).events.map((e) => e.action);
    expect(events).toEqual(expect.arrayContaining(['bulk.create', 'bulk.run', 'bulk.strings']));
  });

  it('dry run counts a query; a scheduled job waits for its time, runs when due, cancels; failures are listed', { timeout: 120_000 }, async () => {
    await seed(40, '2');
    const admin = new BulkAdmin({ stores, authStringKey: async () => KEY });
    const dry = await admin.create('tester', { operation: 'fetch', selection: { prefix: 'SEP2', pattern: 'SEP2*1' }, dryRun: true });
    expect(dry).toEqual({ count: 4, sample: ['SEP200000000001', 'SEP200000000011', 'SEP200000000021', 'SEP200000000031'] });
    const later = await admin.create('tester', { operation: 'delete', selection: { prefix: 'SEP2' }, runAt: new Date(Date.now() + 3_600_000).toISOString() });
    const soon = await admin.create('tester', { operation: 'fetch', selection: { names: ['sep200000000001', 'SEP2FFFFFFFFFFF'] }, authString: '4321' });
    const ran = await admin.runDue({ owner: 'timer' });
    expect(ran.map((j) => j.id)).toEqual([soon.job!.id]);
    expect((await admin.show(soon.job!.id))).toMatchObject({ job: { state: 'done', done: 1, failed: 1, sharedAuthString: true }, failures: [{ name: 'SEP2FFFFFFFFFFF', reason: expect.stringContaining('DEVICE_NOT_FOUND') }] });
    expect(await stores.devices.get('SEP200000000001')).toMatchObject({ operation: 'fetch', authString: hashAuthString('4321', KEY) });
    expect((await admin.cancel('tester', later.job!.id)).state).toBe('cancelled');
    await expect(admin.cancel('tester', later.job!.id)).rejects.toMatchObject({ code: 'JOB_CONFLICT' });
    expect(await admin.run(later.job!.id, { owner: 'timer' })).toBeUndefined();
    expect((await stores.devices.get('SEP200000000002'))?.operation).toBe('none');
  });
});
