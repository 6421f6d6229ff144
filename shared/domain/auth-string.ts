// Authentication strings (F8) are stored as a keyed hash, never in clear: HMAC-SHA-256 under a per-deployment key
// (locally `<data>/auth-string.key`, in AWS a Secrets Manager secret), written as `hmac-sha256:<64 hex digits>`. The
// admin path hashes the string before saving it; the session hashes what the phone sent under the same key and
// compares in constant time. Pure: the key comes in as bytes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../errors.ts';

export const AUTH_STRING_LENGTH = { min: 4, max: 64 } as const;
export const AUTH_STRING_HASH_PREFIX = 'hmac-sha256:';
/** The shortest key accepted: 32 bytes (a generated key is 64 hex characters, used as its text). */
export const MIN_AUTH_STRING_KEY_BYTES = 32;
/** A longer key is a mistake (a whole file or secret pasted in); HMAC would take it, but refuse it clearly. */
const MAX_AUTH_STRING_KEY_BYTES = 1024;
const STORED_FORM = /^hmac-sha256:[0-9a-f]{64}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** The clear string an administrator gives: 4-64 printable ASCII characters. The value is never put in a message. */
export function checkClearAuthString(value: unknown): string {
  if (typeof value !== 'string') throw new ValidationError('authString must be a string', 'INVALID_AUTH_STRING');
  if (value.length < AUTH_STRING_LENGTH.min || value.length > AUTH_STRING_LENGTH.max) {
    throw new ValidationError(`authString must be ${AUTH_STRING_LENGTH.min} to ${AUTH_STRING_LENGTH.max} characters long (got ${value.length})`, 'INVALID_AUTH_STRING');
  }
  if (!PRINTABLE_ASCII.test(value)) throw new ValidationError('authString must contain printable ASCII characters only', 'INVALID_AUTH_STRING');
  return value;
}

export function checkAuthStringKey(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length < MIN_AUTH_STRING_KEY_BYTES || key.length > MAX_AUTH_STRING_KEY_BYTES) {
    throw new ValidationError(
      `the authentication string key must be ${MIN_AUTH_STRING_KEY_BYTES} to ${MAX_AUTH_STRING_KEY_BYTES} bytes (got ${key instanceof Uint8Array ? key.length : 'none'})`,
      'INVALID_AUTH_STRING_KEY',
    );
  }
  return key;
}

function hmac(key: Uint8Array, data: Uint8Array | string): Buffer {
  return createHmac('sha256', checkAuthStringKey(key)).update(data).digest();
}

/** What the store keeps for a clear string: `hmac-sha256:` and the hex HMAC of its UTF-8 (here ASCII) bytes. */
export function hashAuthString(clear: string, key: Uint8Array): string {
  return `${AUTH_STRING_HASH_PREFIX}${hmac(key, checkClearAuthString(clear)).toString('hex')}`;
}

/** Whether a stored value is the keyed hash (an older record may still hold a string in clear). */
export function isHashedAuthString(stored: unknown): stored is string {
  return typeof stored === 'string' && STORED_FORM.test(stored);
}

/**
 * Whether the bytes the phone sent hash to the stored value under `key`; constant time in the stored value (both sides
 * are 32-byte digests whatever the lengths). A stored value that is not a keyed hash matches nothing.
 */
export function authStringMatches(stored: string, given: Uint8Array, key: Uint8Array): boolean {
  if (!isHashedAuthString(stored)) return false;
  const expected = Buffer.from(stored.slice(AUTH_STRING_HASH_PREFIX.length), 'hex');
  return timingSafeEqual(expected, hmac(key, given));
}
