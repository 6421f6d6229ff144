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

  it("issue 16: an install is taken by the sign service's key claim (no version bump), and its outcome is written over it", async () => {
    const name = randomDeviceName();
    const created = await store.devices.put(installSettings(name));
    const once = await store.devices.finishOperation(name, created.operationId, wrong, created);
    const counted = await store.devices.claimKey(name, created.operationId, { spkiSha256: 'ab'.repeat(32), requestId: 'signer-1', leaseMs: 30_000, limit: 3, sessionId: 41 });
    expect(counted.verdict).toBe('claimed');
    if (counted.verdict !== 'claimed') return;
    const taken = { ...once, status: 'in-progress', statusAt: NOW.toISOString(), statusSessionId: 41, updatedAt: NOW.toISOString(), certificatesIssued: 1 };
    delete (taken as Partial<typeof taken>).authFailures;
    delete (taken as Partial<typeof taken>).statusReason;
    expect(counted.device).toEqual(taken);
    expect(await store.devices.get(name)).toEqual(taken);
    expect((await store.devices.query({ limit: 10, status: 'in-progress', namePrefix: name })).devices.map((d) => d.name)).toEqual([name]);

    // The session's copy is `once` (read before the count): its outcome, even one whose status equals the copy's, lands
    // in one write, as if markInProgress had been written first.
    const pending = { status: 'pending' as const, reason: 'the CA keeps the request' };
    const finished = await store.devices.finishOperation(name, created.operationId, pending, once, 41);
    expect(finished).toMatchObject({ status: 'pending', statusReason: 'the CA keeps the request', statusSessionId: 41, version: once.version + 1 });
    expect(finished.authFailures).toBeUndefined();
    // The count is the sign service's, kept on the item beside the session's copy.
    expect(await store.devices.get(name)).toEqual({ ...finished, certificatesIssued: 1 });
    expect((await store.devices.query({ limit: 10, status: 'pending', namePrefix: name })).devices.map((d) => d.name)).toEqual([name]);
  });

  it('issue 16: an install that ends before its key is signed forgets the wrong strings in its outcome write', async () => {
    const name = randomDeviceName();
    const created = await store.devices.put(installSettings(name));
    const once = await store.devices.finishOperation(name, created.operationId, wrong, created);
    const failed = await store.devices.finishOperation(name, created.operationId, { status: 'failed', reason: 'the phone sent nothing in time', keepOperation: true }, once, 42);
    expect(failed).toMatchObject({ status: 'failed', statusSessionId: 42, operation: 'install', version: once.version + 1 });
    expect(failed.authFailures).toBeUndefined();
    expect(await store.devices.get(name)).toEqual(failed);
  });
});
