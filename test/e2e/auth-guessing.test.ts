// Issue 10 item 1 over real TLS on loopback: guessing the authentication string locks the device's operation, the
// right string then gets END_SESSION 7 until an administrator re-arms the device, and every failure and lock is
// logged (and audited) with the device and the peer address, never the string.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditLog } from '../../shared/ports/index.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const RIGHT = '402913';
const audited: AuditEvent[] = [];
const audit: AuditLog = { record: async (event) => void audited.push(event) };
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ audit, parametersCacheMs: 0 });
});
afterAll(() => t.close());

const password = (value: string) => ({ auth: { mode: 'password' as const, password: value } });

describe('per-device lockout after wrong authentication strings', () => {
  it('locks after the limit; the right string then gets END 7 without being compared, until the device is re-armed', async () => {
    const name = 'SEP0000000A0001';
    await t.setDevice({ name, authMode: 'auth-string', authString: RIGHT });
    for (let i = 1; i <= 4; i++) {
      expect((await t.phone(name, password(`99990${i}`))).endReason).toBe(7);
      const device = await t.stack.store.devices.get(name);
      expect(device).toMatchObject({ operation: 'install', status: 'failed', authFailures: i });
      expect(device?.lockedUntil).toBeUndefined();
    }
    expect((await t.phone(name, password('999905'))).endReason).toBe(7);
    const locked = await t.stack.store.devices.get(name);
    expect(locked).toMatchObject({ operation: 'install', status: 'failed', authFailures: 5 });
    expect(Date.parse(locked?.lockedUntil as string) - Date.now()).toBeGreaterThan(30_000);
    expect(locked?.statusReason).toMatch(/^locked after 5 wrong authentication strings until \d{4}-\d\d-\d\dT/);

    // Locked: the right string is refused, and nothing is written (the string was not even compared).
    expect((await t.phone(name, password(RIGHT))).endReason).toBe(7);
    expect((await t.stack.store.devices.get(name))?.version).toBe(locked?.version);
    const refusal = t.logger.entries.find((e) => e.message === 'session-failed' && e.attributes.device === name && e.attributes.code === 'LOCKED');
    expect(refusal?.attributes).toMatchObject({ peer: '127.0.0.1' });

    // One log line for the lock, with the device and the peer; the strings appear in no log line.
    const locks = t.logger.entries.filter((e) => e.message === 'device-locked' && e.attributes.device === name);
    expect(locks).toHaveLength(1);
    expect(locks[0]?.attributes).toMatchObject({ peer: '127.0.0.1', failures: 5, until: locked?.lockedUntil });
    const failures = t.logger.entries.filter((e) => e.message === 'session-failed' && e.attributes.device === name);
    expect(failures.map((e) => e.attributes.code)).toEqual([...Array(5).fill('AUTH_STRING_MISMATCH'), 'LOCKED']);
    const logText = JSON.stringify(t.logger.entries);
    for (const secret of [RIGHT, '999901', '999905']) expect(logText).not.toContain(secret);

    // The audit trail has each failure and the lock, with the peer, never a string.
    const trail = audited.filter((e) => e.deviceName === name);
    expect(trail.map((e) => `${e.action}:${e.code}`)).toEqual([...Array(5).fill('auth.failed:AUTH_STRING_MISMATCH'), 'auth.locked:LOCKED', 'auth.failed:LOCKED']);
    expect(trail.every((e) => e.peer === '127.0.0.1' && e.actor === 'phone' && e.result === 'refused')).toBe(true);
    for (const secret of [RIGHT, '999901']) expect(JSON.stringify(trail)).not.toContain(secret);

    // Re-arming (capf device set NAME --operation install) clears the lock: the right string installs.
    const rearmed = await t.setDevice({ name, authMode: 'auth-string', authString: RIGHT });
    expect(rearmed.lockedUntil).toBeUndefined();
    expect(rearmed.authFailures).toBeUndefined();
    expect((await t.phone(name, password(RIGHT))).endReason).toBe(1);
    expect(await t.stack.store.devices.get(name)).toMatchObject({ operation: 'none', status: 'success' });
  });

  it('the limit is a parameter, and a right string before it forgets the wrong ones', async () => {
    const name = 'SEP0000000A0002';
    await t.stack.store.parameters.update({ authFailureLimit: 2 });
    try {
      await t.setDevice({ name, authMode: 'auth-string', authString: RIGHT, operation: 'fetch' });
      expect((await t.phone(name, password('000000'))).endReason).toBe(7);
      expect((await t.stack.store.devices.get(name))?.authFailures).toBe(1);
      // Fetch with the right string: authenticated, so the count goes (the phone then fails the fetch itself).
      await t.phone(name, password(RIGHT));
      expect((await t.stack.store.devices.get(name))?.authFailures).toBeUndefined();
      expect((await t.phone(name, password('000001'))).endReason).toBe(7);
      expect((await t.phone(name, password('000002'))).endReason).toBe(7);
      expect((await t.stack.store.devices.get(name))?.statusReason).toMatch(/^locked after 2 wrong authentication strings until /);
    } finally {
      await t.stack.store.parameters.update({ authFailureLimit: 5 });
    }
  });
});
