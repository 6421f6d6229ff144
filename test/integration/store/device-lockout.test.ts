// The lockout counters ride on the writes a session makes anyway (issue 10 item 1): the failed outcome's write counts a
// wrong string and locks at the limit, the write that takes the operation clears them; dynalite and moto_server alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../../shared/ports/index.ts';
import { BACKENDS, installSettings, randomDeviceName } from './store-backends.ts';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const wrong = { status: 'failed' as const, reason: 'authentication failed: the authentication string does not match', keepOperation: true, authFailure: { limit: 3, maxLockMs: 600_000 } };

describe.each(BACKENDS)('device lockout on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  let store: Stores;

  beforeAll(async () => {
    connection = await backend.connect();
    store = await connection.newStore(() => NOW);
  });
  afterAll(() => connection.close());

  it('counts each wrong string in the outcome write (one version each) and keeps the lock across reads', async () => {
    const name = randomDeviceName();
    const created = await store.devices.put(installSettings(name));
    let known = created;
    for (let i = 1; i <= 3; i++) {
      known = await store.devices.finishOperation(name, created.operationId, wrong, known);
      expect(known).toMatchObject({ authFailures: i, version: created.version + i });
    }
    const read = await store.devices.get(name);
    expect(read).toEqual(known);
    expect(read).toMatchObject({ lockedUntil: '2026-12-01T10:01:00.000Z', status: 'failed', operation: 'install' });
    expect(read?.statusReason).toMatch(/^locked after 3 wrong authentication strings until 2026-12-01T10:01:00.000Z/);
  });

  it('clears the counters when the operation is taken and when the device is re-armed', async () => {
    const name = randomDeviceName();
    const created = await store.devices.put(installSettings(name));
    const once = await store.devices.finishOperation(name, created.operationId, wrong);
    const taken = await store.devices.markInProgress(name, created.operationId, 12, once);
    expect(taken.authFailures).toBeUndefined();
    expect((await store.devices.get(name))?.authFailures).toBeUndefined();

    const other = randomDeviceName();
    const armed = await store.devices.put(installSettings(other));
    for (let i = 0; i < 3; i++) await store.devices.finishOperation(other, armed.operationId, wrong);
    expect((await store.devices.get(other))?.lockedUntil).toBeDefined();
    const rearmed = await store.devices.put(installSettings(other), { newOperation: true });
    expect(rearmed.lockedUntil).toBeUndefined();
    expect(await store.devices.get(other)).toEqual(rearmed);
  });
});
