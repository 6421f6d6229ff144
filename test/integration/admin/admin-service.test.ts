// The admin service over the DynamoDB stores, on dynalite and moto_server: devices (create, change, arm, delete,
// listing from the indexes with filters and pages), concurrent edits that merge or conflict, parameters through the
// domain's validation, and the audit trail with the actor and redacted before/after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminService } from '../../../shared/admin/admin-service.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import type { Stores } from '../../../shared/ports/index.ts';
import { BACKENDS, randomDeviceName } from '../store/store-backends.ts';

const admin = { actor: 'arn:aws:iam::123456789012:user/alice' };
const other = { actor: 'local' };
const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

describe.each(BACKENDS)('admin service on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  let stores: Stores;
  let service: AdminService;

  beforeAll(async () => {
    connection = await backend.connect();
    stores = await connection.newStore();
    service = new AdminService({ stores });
  });
  afterAll(async () => {
    await connection.close();
  });

  it('creates a device with defaults, refuses a second of the same name, and never shows the auth string', async () => {
    const name = randomDeviceName();
    const created = await service.createDevice(admin, name, {});
    expect(created).toMatchObject({ name, operation: 'none', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256', status: 'none', authStringSet: false, version: 1 });
    await expect(service.createDevice(admin, name, {})).rejects.toMatchObject({ code: 'DEVICE_EXISTS' });
    const withString = await service.changeDevice(admin, name, { authString: 'secret-1234', operation: 'install' });
    expect(withString).toMatchObject({ authMode: 'auth-string', authStringSet: true, operation: 'install', status: 'pending' });
    expect(JSON.stringify(withString)).not.toContain('secret-1234');
    expect(JSON.stringify(await service.getDevice(name))).not.toContain('secret-1234');
  });

  it('returns a generated auth string once, and refuses a string both given and generated', async () => {
    const name = randomDeviceName();
    const created = await service.createDevice(admin, name, { operation: 'install', generateAuthString: true });
    expect(created.authString).toMatch(/^\d{8}$/);
    expect(created).toMatchObject({ authMode: 'auth-string', authStringSet: true });
    expect(await service.getDevice(name)).not.toHaveProperty('authString');
    await expect(service.changeDevice(admin, name, { authString: 'abcd', generateAuthString: true })).rejects.toMatchObject({ code: 'CONFLICTING_AUTH_STRING' });
    await expect(service.changeDevice(admin, name, { authString: 'abcd', authMode: 'null-string' })).rejects.toMatchObject({ code: 'CONFLICTING_AUTH_MODE' });
    const trail = await service.listAudit({ deviceName: name, limit: 10 });
    expect(JSON.stringify(trail)).not.toContain(created.authString);
  });

  it('arms an operation with a fresh id and its deadline, refuses a past deadline, and drops an old deadline on re-arming', async () => {
    const name = randomDeviceName();
    const first = await service.createDevice(admin, name, { operation: 'install', completesBy: inAWeek() });
    expect(first.completesBy).toBeDefined();
    const again = await service.armOperation(admin, name, { operation: 'install' });
    expect(again.operationId).not.toBe(first.operationId);
    expect(again).toMatchObject({ status: 'pending', version: 2 });
    expect(again.completesBy).toBeUndefined();
    await expect(service.armOperation(admin, name, { operation: 'delete', completesBy: '2020-01-01T00:00:00Z' })).rejects.toMatchObject({ code: 'DEADLINE_PASSED' });
    await expect(service.armOperation(admin, randomDeviceName(), { operation: 'install' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('merges two concurrent edits of different fields: neither is lost', async () => {
    const name = randomDeviceName();
    await service.createDevice(admin, name, {});
    await Promise.all([service.changeDevice(admin, name, { keyOrder: 'ec', curve: 'P-384' }), service.changeDevice(other, name, { rsaKeySize: 4096 })]);
    const merged = await service.getDevice(name);
    expect(merged).toMatchObject({ keyOrder: 'ec', curve: 'P-384', rsaKeySize: 4096, version: 3 });
  });

  it('refuses a change conditional on a version that is no longer stored (If-Match)', async () => {
    const name = randomDeviceName();
    const created = await service.createDevice(admin, name, {});
    await service.changeDevice(other, name, { rsaKeySize: 3072 }, created.version);
    const stale = service.changeDevice(admin, name, { rsaKeySize: 4096 }, created.version);
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(service.deleteDevice(admin, name, created.version)).rejects.toBeInstanceOf(ConflictError);
    expect((await service.getDevice(name)).rsaKeySize).toBe(3072);
    const deleted = await service.deleteDevice(admin, name, created.version + 1);
    expect(deleted.name).toBe(name);
    await expect(service.getDevice(name)).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    await expect(service.deleteDevice(admin, name)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists devices from the indexes by name prefix, status and operation, page by page', async () => {
    const own = await connection.newStore();
    const listing = new AdminService({ stores: own });
    const names = ['SEPAAAA00000001', 'SEPAAAA00000002', 'SEPAAAA00000003', 'SEPBBBB00000001', 'CSFALICE'];
    for (const name of names) await listing.createDevice(admin, name, name.startsWith('SEPAAAA') ? { operation: 'install' } : {});
    await listing.changeDevice(admin, 'SEPAAAA00000003', { operation: 'delete' });

    const all = await listing.listDevices({ limit: 100 });
    expect(all.devices.map((d) => d.name)).toEqual([...names].sort());
    expect(all.nextCursor).toBeUndefined();

    const byPrefix = await listing.listDevices({ limit: 100, namePrefix: 'SEPAAAA' });
    expect(byPrefix.devices.map((d) => d.name)).toEqual(['SEPAAAA00000001', 'SEPAAAA00000002', 'SEPAAAA00000003']);

    const pending = await listing.listDevices({ limit: 100, status: 'pending' });
    expect(pending.devices.map((d) => d.name)).toEqual(['SEPAAAA00000001', 'SEPAAAA00000002', 'SEPAAAA00000003']);
    const none = await listing.listDevices({ limit: 100, status: 'none' });
    expect(none.devices.map((d) => d.name)).toEqual(['CSFALICE', 'SEPBBBB00000001']);

    const deletes = await listing.listDevices({ limit: 100, operation: 'delete' });
    expect(deletes.devices.map((d) => d.name)).toEqual(['SEPAAAA00000003']);

    await listing.changeDevice(admin, 'SEPAAAA00000002', { authMode: 'mic-precedence' });
    await listing.changeDevice(admin, 'CSFALICE', { authMode: 'mic-precedence' });
    expect((await listing.listDevices({ limit: 100, authMode: 'mic-precedence' })).devices.map((d) => d.name)).toEqual(['CSFALICE', 'SEPAAAA00000002']);
    expect((await listing.listDevices({ limit: 100, authMode: 'mic-precedence', operation: 'install' })).devices.map((d) => d.name)).toEqual(['SEPAAAA00000002']);
    // `limit` counts the devices read: a page may be short, and the cursor goes on after the last one read.
    const micPages: string[][] = [];
    let micCursor: string | undefined;
    do {
      const page = await listing.listDevices({ limit: 2, authMode: 'mic-precedence', ...(micCursor ? { cursor: micCursor } : {}) });
      micPages.push(page.devices.map((d) => d.name));
      micCursor = page.nextCursor;
    } while (micCursor);
    expect(micPages.flat()).toEqual(['CSFALICE', 'SEPAAAA00000002']);
    expect(micPages[0]).toEqual(['CSFALICE']);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listing.listDevices({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.devices.length).toBeLessThanOrEqual(2);
      seen.push(...page.devices.map((d) => d.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...names].sort());

    const firstPage = await listing.listDevices({ limit: 1, status: 'pending' });
    await expect(listing.listDevices({ limit: 1, status: 'none', cursor: firstPage.nextCursor! })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(listing.listDevices({ limit: 1, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('keeps the status index current when a session changes the status', async () => {
    const own = await connection.newStore();
    const listing = new AdminService({ stores: own });
    const name = randomDeviceName();
    const device = await listing.createDevice(admin, name, { operation: 'install' });
    await own.devices.markInProgress(name, device.operationId, 7);
    expect((await listing.listDevices({ limit: 10, status: 'in-progress' })).devices.map((d) => d.name)).toEqual([name]);
    expect((await listing.listDevices({ limit: 10, status: 'pending' })).devices).toEqual([]);
  });

  it('sets parameters through the domain validation and audits the change', async () => {
    const own = await connection.newStore();
    const params = new AdminService({ stores: own });
    expect((await params.getParameters()).lscValidityDays).toBe(365);
    expect(await params.setParameters(admin, { lscValidityDays: 730 })).toMatchObject({ lscValidityDays: 730 });
    await expect(params.setParameters(admin, { lscValidityDays: 5000 })).rejects.toMatchObject({ code: 'INVALID_LSC_VALIDITY' });
    await expect(params.setParameters(admin, { nope: 1 } as never)).rejects.toMatchObject({ code: 'UNKNOWN_PARAMETER' });
    const events = (await params.listAudit({ limit: 10 })).events;
    expect(events.map((e) => [e.action, e.result])).toEqual([
      ['params.update', 'refused'],
      ['params.update', 'refused'],
      ['params.update', 'ok'],
    ]);
    expect(events[2]).toMatchObject({ actor: admin.actor, target: 'parameters', before: { lscValidityDays: 365 }, after: { lscValidityDays: 730 } });
  });

  it('records every change with actor, result and redacted before/after, listed by device and by time', async () => {
    const own = await connection.newStore();
    const audited = new AdminService({ stores: own });
    const name = randomDeviceName();
    await audited.createDevice(admin, name, { operation: 'install', authString: 'topsecret99' });
    await audited.changeDevice(other, name, { authString: 'othersecret' });
    await audited.deleteDevice(admin, name);
    await expect(audited.createDevice(admin, name, { rsaKeySize: 999 } as never)).rejects.toBeInstanceOf(ValidationError);

    const trail = await audited.listAudit({ deviceName: name, limit: 10 });
    expect(trail.events.map((e) => [e.action, e.actor, e.result])).toEqual([
      ['device.create', admin.actor, 'refused'],
      ['device.delete', admin.actor, 'ok'],
      ['device.update', 'local', 'ok'],
      ['device.create', admin.actor, 'ok'],
    ]);
    expect(trail.events[3]!.after).toMatchObject({ operation: 'install', authString: '(set)', authMode: 'auth-string' });
    expect(trail.events[2]!.after).toEqual({ authString: '(changed)', version: 2 });
    const text = JSON.stringify(trail);
    expect(text).not.toContain('topsecret99');
    expect(text).not.toContain('othersecret');

    const byTime = await audited.listAudit({ limit: 2 });
    expect(byTime.events).toHaveLength(2);
    const rest = await audited.listAudit({ limit: 10, cursor: byTime.nextCursor! });
    expect([...byTime.events, ...rest.events].map((e) => e.action)).toEqual(trail.events.map((e) => e.action));
    expect(await audited.listAudit({ limit: 10, until: '2001-01-02T00:00:00Z', since: '2001-01-01T00:00:00Z' })).toEqual({ events: [] });
  });

  it('writes many events in batches of 25 and lists them across day partitions', async () => {
    const own = await connection.newStore();
    const base = Date.parse('2026-03-10T12:00:00Z');
    const events = Array.from({ length: 60 }, (_, i) => ({ at: new Date(base - i * 3_600_000).toISOString(), actor: 'phone', action: 'session.end', result: 'ok' as const, deviceName: 'SEP00000000000A', sessionId: i }));
    await own.audit.recordMany(events);
    const listed: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await own.audit.list({ since: '2026-03-07T00:00:00Z', until: '2026-03-11T00:00:00Z', limit: 7, ...(cursor ? { cursor } : {}) });
      listed.push(...page.events.map((e) => e.sessionId!));
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toEqual(events.map((e) => e.sessionId));
    const device = await own.audit.list({ deviceName: 'SEP00000000000A', since: '2026-03-10T00:00:00Z', until: '2026-03-11T00:00:00Z', limit: 100 });
    expect(device.events).toHaveLength(13);
  });

  it("lists one actor's events by time and by device, pages full and in order across day partitions", async () => {
    const own = await connection.newStore();
    const base = Date.parse('2026-04-10T12:00:00Z');
    const events = Array.from({ length: 60 }, (_, i) => ({
      at: new Date(base - i * 3_600_000).toISOString(),
      actor: i % 3 === 0 ? admin.actor : 'phone',
      action: 'session.end',
      result: 'ok' as const,
      deviceName: 'SEP00000000000B',
      sessionId: i,
    }));
    await own.audit.recordMany(events);
    const wanted = events.filter((e) => e.actor === admin.actor).map((e) => e.sessionId);
    for (const byDevice of [false, true]) {
      const pages: number[][] = [];
      let cursor: string | undefined;
      do {
        const page = await own.audit.list({
          actor: admin.actor,
          since: '2026-04-07T00:00:00Z',
          until: '2026-04-11T00:00:00Z',
          limit: 3,
          ...(byDevice ? { deviceName: 'SEP00000000000B' } : {}),
          ...(cursor ? { cursor } : {}),
        });
        pages.push(page.events.map((e) => e.sessionId!));
        cursor = page.nextCursor;
      } while (cursor);
      expect(pages.flat()).toEqual(wanted);
      expect(pages.slice(0, 6).every((page) => page.length === 3)).toBe(true);
    }
    expect((await own.audit.list({ actor: 'nobody', since: '2026-04-07T00:00:00Z', until: '2026-04-11T00:00:00Z', limit: 10 })).events).toEqual([]);
  });
});

// One backend is enough for the read bound (it is the store's own loop); dynalite writes 5,100 events fastest.
describe('audit listing by actor on dynalite', () => {
  let connection: Awaited<ReturnType<(typeof BACKENDS)[number]['connect']>>;
  beforeAll(async () => {
    connection = await BACKENDS.find((b) => b.name === 'dynalite')!.connect();
  });
  afterAll(async () => {
    await connection.close();
  });
  it('stops a page short after 5,000 events read for the actor filter, and goes on from there', async () => {
    const own = await connection.newStore();
    const base = Date.parse('2026-05-10T12:00:00Z');
    // Two of alice's events, the newest and the oldest, with 5,100 of the phone's between them.
    const events = Array.from({ length: 5102 }, (_, i) => ({ at: new Date(base - i * 1000).toISOString(), actor: i === 0 || i === 5101 ? admin.actor : 'phone', action: 'session.end', result: 'ok' as const, sessionId: i }));
    await own.audit.recordMany(events);
    const range = { actor: admin.actor, since: '2026-05-10T00:00:00Z', until: '2026-05-11T00:00:00Z', limit: 10 };
    const first = await own.audit.list(range);
    expect(first.events.map((e) => e.sessionId)).toEqual([0]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await own.audit.list({ ...range, cursor: first.nextCursor! });
    expect(second.events.map((e) => e.sessionId)).toEqual([5101]);
    expect(second.nextCursor).toBeUndefined();
  });
});
