// The per-device lockout rules (issue 10 item 1): counting wrong strings, the backoff, and what clears them.
import { describe, expect, it } from 'vitest';
import { countAuthFailure, lockDurationMs, lockedUntil, lockoutPolicy } from '../../../shared/domain/auth-lockout.ts';
import { createDevice, finishDevice, startOperation, updateDevice } from '../../../shared/domain/device-transitions.ts';
import { checkParameterUpdate, DEFAULT_PARAMETERS, withDefaultParameters } from '../../../shared/domain/parameters.ts';
import { ValidationError } from '../../../shared/errors.ts';
import type { Device } from '../../../shared/model.ts';
import type { DeviceSettings } from '../../../shared/ports/index.ts';

const T0 = '2026-12-01T10:00:00.000Z';
const settings: DeviceSettings = { name: 'SEP00000000AA01', operation: 'install', authMode: 'auth-string', authString: '1234', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' };
const policy = lockoutPolicy(DEFAULT_PARAMETERS);
const wrong = { status: 'failed' as const, reason: 'authentication failed: the authentication string does not match', keepOperation: true, authFailure: policy };

function guess(device: Device, times: number, at = T0): Device {
  let current = device;
  for (let i = 0; i < times; i++) current = finishDevice(current, current.operationId, wrong, at);
  return current;
}

describe('lockout backoff', () => {
  it('locks at the limit for one minute, doubling with each further wrong string up to the maximum', () => {
    expect(policy).toEqual({ limit: 5, maxLockMs: 3_600_000 });
    expect([1, 4].map((n) => lockDurationMs(n, policy))).toEqual([0, 0]);
    expect([5, 6, 7, 10, 11, 12, 1000].map((n) => lockDurationMs(n, policy))).toEqual([60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000]);
    expect(lockDurationMs(3, lockoutPolicy({ authFailureLimit: 1, authLockMaxMinutes: 3 }))).toBe(180_000);
  });

  it('tells a lock still ahead from one that has passed', () => {
    expect(lockedUntil({ lockedUntil: '2026-12-01T10:01:00.000Z' }, new Date(T0))).toBe('2026-12-01T10:01:00.000Z');
    expect(lockedUntil({ lockedUntil: '2026-12-01T10:00:00.000Z' }, new Date(T0))).toBeUndefined();
    expect(lockedUntil({}, new Date(T0))).toBeUndefined();
    expect(lockedUntil({ lockedUntil: 'garbage' }, new Date(T0))).toBeUndefined();
  });

  it('counts from the device as stored', () => {
    const device = createDevice(settings, T0);
    expect(countAuthFailure(device, policy, T0)).toEqual({ authFailures: 1 });
    const at4 = { ...device, authFailures: 4 };
    expect(countAuthFailure(at4, policy, T0)).toMatchObject({ authFailures: 5, lockedUntil: '2026-12-01T10:01:00.000Z' });
  });
});

describe('lockout in the device transitions', () => {
  it('counts wrong strings in the failed outcome and locks at the limit with a status that says until when', () => {
    const device = createDevice(settings, T0);
    const four = guess(device, 4);
    expect(four).toMatchObject({ authFailures: 4, operation: 'install', status: 'failed', version: 5 });
    expect(four.lockedUntil).toBeUndefined();
    const five = guess(four, 1);
    expect(five).toMatchObject({ authFailures: 5, lockedUntil: '2026-12-01T10:01:00.000Z', operation: 'install', status: 'failed' });
    expect(five.statusReason).toBe('locked after 5 wrong authentication strings until 2026-12-01T10:01:00.000Z; re-arm the device (set its operation again) to unlock it');
    expect(JSON.stringify(five)).not.toContain('does not match'); // the lock's reason replaces the failure's
  });

  it('does not count failures that are not wrong strings', () => {
    const device = createDevice(settings, T0);
    const failed = finishDevice(device, device.operationId, { status: 'failed', reason: 'keygen failed', keepOperation: true }, T0);
    expect(failed.authFailures).toBeUndefined();
  });

  it('re-arming clears the counters and the lock; other admin changes keep them', () => {
    const locked = guess(createDevice(settings, T0), 5);
    const kept = updateDevice(locked, { ...settings, rsaKeySize: 4096 }, false, T0);
    expect(kept).toMatchObject({ authFailures: 5, lockedUntil: locked.lockedUntil, statusReason: locked.statusReason });
    const rearmed = updateDevice(locked, settings, true, T0);
    expect(rearmed.authFailures).toBeUndefined();
    expect(rearmed.lockedUntil).toBeUndefined();
    expect(rearmed).toMatchObject({ status: 'pending', operation: 'install' });
    const cancelled = updateDevice(locked, { ...settings, operation: 'none' }, false, T0);
    expect(cancelled.lockedUntil).toBeUndefined();
  });

  it('a successful authentication (the operation taken) forgets the wrong strings', () => {
    const three = guess(createDevice(settings, T0), 3);
    const started = startOperation(three, three.operationId, 7, T0);
    expect(started.authFailures).toBeUndefined();
    expect(started.status).toBe('in-progress');
  });

  it('refuses a lockout policy out of bounds', () => {
    const device = createDevice(settings, T0);
    expect(() => finishDevice(device, device.operationId, { ...wrong, authFailure: { limit: 0, maxLockMs: 1 } }, T0)).toThrow(ValidationError);
    expect(() => finishDevice(device, device.operationId, { ...wrong, authFailure: { limit: 5, maxLockMs: 1.5 } }, T0)).toThrow(/longest lock/);
  });
});

describe('lockout and address parameters', () => {
  it('have defaults and bounds', () => {
    expect(DEFAULT_PARAMETERS).toMatchObject({ authFailureLimit: 5, authLockMaxMinutes: 60, addressFailureLimit: 100, addressCooldownSeconds: 300 });
    expect(checkParameterUpdate({ authFailureLimit: 20, addressCooldownSeconds: 1 })).toEqual({ authFailureLimit: 20, addressCooldownSeconds: 1 });
    for (const bad of [{ authFailureLimit: 0 }, { authFailureLimit: 21 }, { authLockMaxMinutes: 1.5 }, { addressFailureLimit: -1 }, { phoneNetworkFailureLimit: '9' }]) {
      expect(() => checkParameterUpdate(bad as never)).toThrow(/must be an integer from/);
    }
    expect(withDefaultParameters({ authFailureLimit: 99, authLockMaxMinutes: 10 })).toMatchObject({ authFailureLimit: 5, authLockMaxMinutes: 10 });
  });
});
