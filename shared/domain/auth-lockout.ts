// Per-device lockout after wrong authentication strings (issue 10, item 1). The counters live on the device record and
// change in the writes a session makes anyway: a failed authentication's outcome (finishDevice) counts it, and the
// write that takes the operation after a successful authentication (startOperation) clears them. Re-arming (an admin
// put with a new operation) clears them too. Pure: the clock comes in as a value.
import type { Device } from '../model.ts';
import type { LockoutPolicy, ServiceParameters } from '../ports/index.ts';
import { AUTH_LOCK_FIRST_MS, DEFAULT_PARAMETERS } from './parameters.ts';

/** Authentication failures that are wrong guesses of the string (a missing string is a wrong one too). */
export const AUTH_STRING_GUESS_CODES: ReadonlySet<string> = new Set(['AUTH_STRING_MISMATCH', 'AUTH_STRING_MISSING']);

export function lockoutPolicy(parameters: Pick<ServiceParameters, 'authFailureLimit' | 'authLockMaxMinutes'> = DEFAULT_PARAMETERS): LockoutPolicy {
  return { limit: parameters.authFailureLimit, maxLockMs: parameters.authLockMaxMinutes * 60_000 };
}

/**
 * How long the operation is locked after `failures` wrong strings: nothing below the limit, AUTH_LOCK_FIRST_MS at it,
 * doubling with each further wrong string up to the policy's maximum. The count is not reset when a lock expires, so
 * past the limit every wrong string costs a longer wait (about one guess an hour at the default maximum).
 */
export function lockDurationMs(failures: number, policy: LockoutPolicy): number {
  if (failures < policy.limit) return 0;
  const doublings = Math.min(failures - policy.limit, 30);
  return Math.min(AUTH_LOCK_FIRST_MS * 2 ** doublings, policy.maxLockMs);
}

/** The moment until which the device refuses sessions, when that is still ahead of `now`. */
export function lockedUntil(device: Pick<Device, 'lockedUntil'>, now: Date): string | undefined {
  if (device.lockedUntil === undefined) return undefined;
  const until = Date.parse(device.lockedUntil);
  return Number.isFinite(until) && until > now.getTime() ? device.lockedUntil : undefined;
}

export function lockReason(failures: number, until: string): string {
  return `locked after ${failures} wrong authentication strings until ${until}; re-arm the device (set its operation again) to unlock it`;
}

/** The counters after one more wrong string, and the lock it causes (with its status reason) when it reaches the limit. */
export function countAuthFailure(current: Device, policy: LockoutPolicy, now: string): Pick<Device, 'authFailures' | 'lockedUntil'> & { lockReason?: string } {
  const failures = (current.authFailures ?? 0) + 1;
  const duration = lockDurationMs(failures, policy);
  if (duration === 0) return { authFailures: failures };
  const until = new Date(Date.parse(now) + duration).toISOString();
  return { authFailures: failures, lockedUntil: until, lockReason: lockReason(failures, until) };
}

/** The device without its lockout counters (a successful authentication, or re-arming). */
export function withoutLockout<T extends Pick<Device, 'authFailures' | 'lockedUntil'>>(device: T): T {
  const { authFailures: _failures, lockedUntil: _until, ...rest } = device;
  return rest as T;
}
