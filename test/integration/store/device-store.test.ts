// Devices and their operation state, against dynalite and moto_server alike.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, StoreError, ValidationError } from '../../../shared/errors.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import type { DeviceSettings, Stores } from '../../../shared/ports/index.ts';
import { hashAuthString } from '../../../shared/domain/auth-string.ts';
import { BACKENDS, HASHED_123456, TEST_AUTH_KEY, installSettings, issuedRecord, randomDeviceName, randomSpkiHash, sampleCertificate } from './store-backends.ts';

const SPARE = hashAuthString('spare-1', TEST_AUTH_KEY);

describe.each(BACKENDS)('device store on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  let store: Stores;

  beforeAll(async () => {
    connection = await backend.connect();
    store = await connection.newStore();
  });
  afterAll(async () => {
    await connection.close();
  });

  it('creates a device with a pending operation and reads it back', async () => {
    const name = randomDeviceName();
    const created = await store.devices.put(installSettings(name));
    expect(created).toMatchObject({ name, operation: 'install', status: 'pending', version: 1, authString: HASHED_123456 });
    expect(created.operationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.createdAt).toBe(created.updatedAt);
    expect(await store.devices.get(name)).toEqual(created);
  });

  it('gives a device created without an operation the status none', async () => {
    const device = await store.devices.put(installSettings(randomDeviceName(), { operation: 'none', authMode: 'null-string', authString: undefined }));
    expect(device.status).toBe('none');
    expect(device.operationId).toBeTruthy();
  });

  it('keeps the operation id when the operation stays, and replaces it when it changes or is renewed', async () => {
    const name = randomDeviceName();
    const first = await store.devices.put(installSettings(name));
    const sameOperation = await store.devices.put(installSettings(name, { rsaKeySize: 4096 }));
    expect(sameOperation).toMatchObject({ operationId: first.operationId, status: 'pending', rsaKeySize: 4096, version: 2, createdAt: first.createdAt });

    const changed = await store.devices.put(installSettings(name, { operation: 'delete' }));
    expect(changed.operationId).not.toBe(first.operationId);
    expect(changed).toMatchObject({ operation: 'delete', status: 'pending', version: 3 });

    const renewed = await store.devices.put(installSettings(name, { operation: 'delete' }), { newOperation: true });
    expect(renewed.operationId).not.toBe(changed.operationId);
    expect(renewed.version).toBe(4);

    const cancelled = await store.devices.put(installSettings(name, { operation: 'none' }));
    expect(cancelled).toMatchObject({ operation: 'none', status: 'none', version: 5 });
    expect(cancelled.operationId).not.toBe(renewed.operationId);
  });

  it('normalises completesBy to UTC ISO 8601', async () => {
    const device = await store.devices.put(installSettings(randomDeviceName(), { completesBy: '2030-06-01T12:00:00+02:00' }));
    expect(device.completesBy).toBe('2030-06-01T10:00:00.000Z');
  });

  it('lists every device sorted by name, and nothing else', async () => {
    const own = await connection.newStore();
    const names = Array.from({ length: 130 }, () => randomDeviceName());
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((name) => own.devices.put(installSettings(name))));
    }
    await own.parameters.update({ lscValidityDays: 30 });
    await own.issuances.putOnce(issuedRecord(names[0]!, randomUUID(), randomSpkiHash(), randomUUID()));
    const listed = await own.devices.list();
    expect(listed.map((d) => d.name)).toEqual([...names].sort());
    expect(listed.every((d) => d.status === 'pending' && d.version === 1)).toBe(true);
  });

  it('reads many devices by name past one batch, leaving out the names that do not exist', async () => {
    const own = await connection.newStore();
    const names = Array.from({ length: 130 }, () => randomDeviceName());
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((name) => own.devices.put(installSettings(name))));
    }
    await own.issuances.putOnce(issuedRecord(names[0]!, randomUUID(), randomSpkiHash(), randomUUID()));
    const missing = randomDeviceName();
    const found = await own.devices.getMany([...names, missing, names[0]!]);
    expect([...found.keys()].sort()).toEqual([...names].sort());
    expect(found.get(names[129]!)).toEqual(await own.devices.get(names[129]!));
    expect(found.has(missing)).toBe(false);
    expect((await own.devices.getMany([])).size).toBe(0);
    await expect(own.devices.getMany(['not a device name'])).rejects.toBeInstanceOf(ValidationError);
  });

  it('deletes a device and reports a missing one', async () => {
    const name = randomDeviceName();
    await store.devices.put(installSettings(name));
    await store.devices.delete(name);
    expect(await store.devices.get(name)).toBeUndefined();
    await expect(store.devices.delete(name)).rejects.toBeInstanceOf(NotFoundError);
  });

  const invalid: Array<[string, Partial<DeviceSettings> & { name?: string }, string, RegExp]> = [
    ['a name with a space', { name: 'SEP 1234' }, 'INVALID_DEVICE_NAME', /device name/],
    ['a name of 65 characters', { name: `A${'b'.repeat(64)}` }, 'INVALID_DEVICE_NAME', /device name/],
    ['an RSA size not offered', { rsaKeySize: 1000 }, 'INVALID_RSA_KEY_SIZE', /rsaKeySize 1000/],
    ['an unknown curve', { curve: 'P-192' as never }, 'INVALID_CURVE', /curve/],
    ['an unknown key order', { keyOrder: 'dsa' as never }, 'INVALID_KEY_ORDER', /keyOrder/],
    ['an unknown auth mode', { authMode: 'password' as never }, 'INVALID_AUTH_MODE', /authMode/],
    ['an unknown operation', { operation: 'renew' as never }, 'INVALID_OPERATION', /operation/],
    ['auth-string mode without a string', { authString: undefined }, 'AUTH_STRING_REQUIRED', /needs an authString/],
    ['a 3-character auth string', { authString: '123' }, 'INVALID_AUTH_STRING', /4 to 64 characters/],
    ['a hash of the wrong form', { authString: `hmac-sha256:${'A'.repeat(64)}` }, 'INVALID_AUTH_STRING', /4 to 64 characters/],
    ['a non-printable auth string', { authString: 'ab\ncd' }, 'INVALID_AUTH_STRING', /printable ASCII/],
    ['a deadline that is not a date', { completesBy: 'next tuesday' }, 'INVALID_DATE', /completesBy/],
    ['a deadline on the 30th of February', { completesBy: '2030-02-30T00:00:00Z' }, 'INVALID_DATE', /completesBy/],
  ];

  it.each(invalid)('refuses %s with a specific ValidationError and writes nothing', async (_label, overrides, code, message) => {
    const settings = installSettings(overrides.name ?? randomDeviceName(), overrides);
    const error = await store.devices.put(settings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    if (settings.authString) expect((error as Error).message).not.toContain(settings.authString);
    if (/^SEP[0-9A-F]{12}$/.test(settings.name)) expect(await store.devices.get(settings.name)).toBeUndefined();
  });

  it('lets an auth-string device without a string be edited once no operation is pending', async () => {
    const device = await store.devices.put(installSettings(randomDeviceName(), { operation: 'none', authString: undefined }));
    expect(device).toMatchObject({ authMode: 'auth-string', operation: 'none' });
    expect(device.authString).toBeUndefined();
  });

  it('marks the operation in progress only under its current operation id', async () => {
    const name = randomDeviceName();
    const device = await store.devices.put(installSettings(name));
    const started = await store.devices.markInProgress(name, device.operationId, 42);
    expect(started).toMatchObject({ status: 'in-progress', statusSessionId: 42, version: 2, operationId: device.operationId });

    const replaced = await store.devices.put(installSettings(name, { operation: 'delete' }));
    const before = await store.devices.get(name);
    await expect(store.devices.markInProgress(name, device.operationId, 43)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.devices.get(name)).toEqual(before);
    expect(before?.operationId).toBe(replaced.operationId);

    await expect(store.devices.markInProgress(randomDeviceName(), device.operationId, 1)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('takes a known copy of the device instead of reading it, and a stale copy costs only a re-read', async () => {
    const name = randomDeviceName();
    const created = await store.devices.put(installSettings(name));
    const begun = await store.devices.markInProgress(name, created.operationId, 7, created);
    expect(begun).toMatchObject({ status: 'in-progress', version: created.version + 1 });
    // An admin edit lands between: the session's copy is now stale, and the write must not undo the edit.
    await store.devices.put(installSettings(name, { rsaKeySize: 4096 }));
    const finished = await store.devices.finishOperation(name, created.operationId, { status: 'failed', reason: 'test', keepOperation: true }, begun);
    expect(finished).toMatchObject({ status: 'failed', rsaKeySize: 4096, version: created.version + 3 });
    expect(await store.devices.get(name)).toEqual(finished);
  });

  it('on success resets the operation, records the LSC and clears the one-time auth string', async () => {
    const name = randomDeviceName();
    const device = await store.devices.put(installSettings(name));
    await store.devices.markInProgress(name, device.operationId, 7);
    const lsc = sampleCertificate('0badc0de');
    const done = await store.devices.finishOperation(name, device.operationId, { status: 'success', lsc });
    expect(done).toMatchObject({ operation: 'none', status: 'success', lsc, operationId: device.operationId, authMode: 'auth-string' });
    expect(done.authString).toBeUndefined();
    expect(done.statusReason).toMatch(/0badc0de/);
    expect(await store.devices.get(name)).toEqual(done);

    // A late duplicate of the same session must not overwrite the result.
    await expect(store.devices.finishOperation(name, device.operationId, { status: 'failed', reason: 'late', keepOperation: true })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.devices.markInProgress(name, device.operationId, 8)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.devices.get(name)).toEqual(done);
  });

  it('an operation a session ended reads as none everywhere: listings by operation, the certificate count, an admin re-arm', async () => {
    const name = randomDeviceName();
    const device = await store.devices.put(installSettings(name));
    await store.devices.finishOperation(name, device.operationId, { status: 'success', lsc: sampleCertificate('0badc0df') });
    const listed = async (operation: 'install' | 'none') => {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.devices.query({ limit: 1000, operation, namePrefix: name, ...(cursor ? { cursor } : {}) });
        names.push(...page.devices.map((d) => d.name));
        cursor = page.nextCursor;
      } while (cursor);
      return names;
    };
    expect(await listed('install')).toEqual([]);
    expect(await listed('none')).toEqual([name]);
    expect((await store.devices.claimKey(name, device.operationId, { spkiSha256: randomSpkiHash(), requestId: 'r1', leaseMs: 1000, limit: 3 })).verdict).toBe('not-pending');
    // Re-armed: a new operation and string; the markers of the ended one are gone from the item.
    const rearmed = await store.devices.put(installSettings(name, { authString: SPARE }), { newOperation: true });
    expect(rearmed).toMatchObject({ operation: 'install', authString: SPARE, status: 'pending' });
    expect(await store.devices.get(name)).toEqual(rearmed);
    expect(await listed('install')).toEqual([name]);
    expect((await store.devices.claimKey(name, rearmed.operationId, { spkiSha256: randomSpkiHash(), requestId: 'r2', leaseMs: 1000, limit: 3 })).verdict).toBe('claimed');
  });

  it('keeps the auth string of other modes on success, removes the LSC on delete and stores a fetched certificate', async () => {
    const name = randomDeviceName();
    const installed = await store.devices.put(installSettings(name, { authMode: 'lsc-precedence', authString: SPARE }));
    const withLsc = await store.devices.finishOperation(name, installed.operationId, { status: 'success', lsc: sampleCertificate() });
    expect(withLsc.authString).toBe(SPARE);

    const deleting = await store.devices.put(installSettings(name, { operation: 'delete', authMode: 'lsc-precedence', authString: SPARE }));
    expect(deleting.lsc).toEqual(sampleCertificate());
    const deleted = await store.devices.finishOperation(name, deleting.operationId, { status: 'success', lsc: null });
    expect(deleted.lsc).toBeUndefined();
    expect(deleted.statusReason).toBe('LSC deleted');

    const fetching = await store.devices.put(installSettings(name, { operation: 'fetch', authMode: 'mic-precedence' }));
    const fetched = { certificate: sampleCertificate('77'), certificateType: 'mic' as const, at: '2026-05-05T05:05:05.000Z' };
    const done = await store.devices.finishOperation(name, fetching.operationId, { status: 'success', fetched });
    expect(done).toMatchObject({ fetched, operation: 'none', status: 'success', statusReason: 'MIC fetched' });
  });

  it('on failure keeps the operation for a retry only when asked', async () => {
    const name = randomDeviceName();
    const device = await store.devices.put(installSettings(name));
    const kept = await store.devices.finishOperation(name, device.operationId, { status: 'failed', reason: 'phone did not answer', keepOperation: true });
    expect(kept).toMatchObject({ status: 'failed', statusReason: 'phone did not answer', operation: 'install', operationId: device.operationId, authString: HASHED_123456 });

    const retried = await store.devices.markInProgress(name, device.operationId, 9);
    expect(retried.status).toBe('in-progress');
    expect(retried.statusReason).toBeUndefined();

    const dropped = await store.devices.finishOperation(name, device.operationId, { status: 'failed', reason: 'x'.repeat(2000), keepOperation: false });
    expect(dropped).toMatchObject({ status: 'failed', operation: 'none' });
    expect(dropped.statusReason?.length).toBeLessThanOrEqual(512);
    await expect(store.devices.markInProgress(name, device.operationId, 10)).rejects.toBeInstanceOf(ConflictError);
  });

  it('refuses an outcome for an operation the admin replaced, changing nothing', async () => {
    const name = randomDeviceName();
    const old = await store.devices.put(installSettings(name));
    await store.devices.markInProgress(name, old.operationId, 1);
    await store.devices.put(installSettings(name), { newOperation: true });
    const before = await store.devices.get(name);
    await expect(store.devices.finishOperation(name, old.operationId, { status: 'success', lsc: sampleCertificate() })).rejects.toBeInstanceOf(ConflictError);
    expect(await store.devices.get(name)).toEqual(before);
  });

  it('refuses a malformed outcome with a ValidationError', async () => {
    const name = randomDeviceName();
    const device = await store.devices.put(installSettings(name));
    const badLsc = { ...sampleCertificate(), pem: 'not a certificate' };
    await expect(store.devices.finishOperation(name, device.operationId, { status: 'success', lsc: badLsc })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.devices.finishOperation(name, device.operationId, { status: 'failed', reason: ' ', keepOperation: true })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.devices.markInProgress(name, device.operationId, -1)).rejects.toBeInstanceOf(ValidationError);
    expect((await store.devices.get(name))?.version).toBe(1);
  });

  it('loses no admin update under concurrent upserts of one device', async () => {
    const name = randomDeviceName();
    await store.devices.put(installSettings(name));
    const sizes = [1024, 2048, 3072, 4096, 2048, 3072, 4096, 1024];
    const results = await Promise.allSettled(sizes.map((rsaKeySize) => store.devices.put(installSettings(name, { rsaKeySize }))));
    const saved = results.filter((r) => r.status === 'fulfilled');
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect(saved.length).toBeGreaterThan(0);
    const final = await store.devices.get(name);
    expect(final?.version).toBe(1 + saved.length);
    const versions = saved.map((r) => (r as PromiseFulfilledResult<{ version: number }>).value.version).sort((a, b) => a - b);
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('ensureTable on an existing table is a no-op, and a missing table surfaces as StoreError', async () => {
    const tableName = `store-test-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    await ensureTable(connection.client, tableName);
    await ensureTable(connection.client, tableName);
    const missing = createDynamoStores({ client: connection.client, tableName: `${tableName}-missing` });
    const error = await missing.devices.get(randomDeviceName()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).not.toBeInstanceOf(ConflictError);
    expect((error as StoreError).cause).toBeDefined();
  });
});
