// Authentication strings as a keyed hash (issue 10 item 1): HMAC-SHA-256 under the deployment's key, stored as
// `hmac-sha256:<hex>`, matched against the bytes the phone sent; the clear string is never kept.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authStringMatches, checkAuthStringKey, hashAuthString, isHashedAuthString } from '../../../shared/domain/auth-string.ts';
import { authenticate } from '../../../shared/protocol/authenticate.ts';
import { ValidationError, AuthenticationError } from '../../../shared/errors.ts';
import type { Device } from '../../../shared/model.ts';

const KEY = Buffer.from('k'.repeat(64));
const OTHER_KEY = Buffer.from('q'.repeat(64));
const clearString = fc.stringMatching(/^[\x20-\x7e]{4,64}$/);

describe('keyed hash of authentication strings', () => {
  it('is the HMAC-SHA-256 of the string under the key, in its stored form', () => {
    const hashed = hashAuthString('123456', KEY);
    expect(hashed).toBe(`hmac-sha256:${createHmac('sha256', KEY).update('123456').digest('hex')}`);
    expect(isHashedAuthString(hashed)).toBe(true);
    expect(hashed).not.toContain('123456');
  });

  it('matches exactly the string it was made from, under the same key only', () => {
    fc.assert(
      fc.property(clearString, clearString, (a, b) => {
        const stored = hashAuthString(a, KEY);
        expect(authStringMatches(stored, Buffer.from(a, 'latin1'), KEY)).toBe(true);
        expect(authStringMatches(stored, Buffer.from(b, 'latin1'), KEY)).toBe(a === b);
        expect(authStringMatches(stored, Buffer.from(a, 'latin1'), OTHER_KEY)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never matches a value that is not a keyed hash (a string an older version stored in clear)', () => {
    expect(isHashedAuthString('123456')).toBe(false);
    expect(isHashedAuthString(`hmac-sha256:${'A'.repeat(64)}`)).toBe(false);
    expect(authStringMatches('123456', Buffer.from('123456'), KEY)).toBe(false);
  });

  it('refuses clear strings out of bounds and short keys, without echoing the string', () => {
    for (const bad of ['123', '1'.repeat(65), 'ab\ncd', 'pässword']) {
      const error = (() => {
        try {
          hashAuthString(bad, KEY);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).not.toContain(bad);
    }
    expect(() => checkAuthStringKey(Buffer.alloc(31))).toThrow(/32 to 1024 bytes/);
    expect(() => hashAuthString('123456', Buffer.alloc(8))).toThrow(ValidationError);
  });
});

describe('auth-string authentication over the keyed hash', () => {
  const device = (authString: string | undefined): Device =>
    ({ name: 'SEP0000000C0001', authMode: 'auth-string', operation: 'install', ...(authString ? { authString } : {}) }) as Device;
  const fields = (password?: string) => ({ deviceName: 'SEP0000000C0001', unknownTags: [], ...(password === undefined ? {} : { password: Buffer.from(password) }) }) as never;
  const context = { sessionId: 1, trustAnchorsDer: [], requireNameMatch: true, authStringKey: KEY };
  const code = (run: () => unknown) => {
    try {
      run();
      return 'ok';
    } catch (error) {
      expect(error).toBeInstanceOf(AuthenticationError);
      return (error as AuthenticationError).code;
    }
  };

  it('accepts the right string, refuses a wrong or missing one', () => {
    const stored = hashAuthString('402913', KEY);
    expect(code(() => authenticate(device(stored), fields('402913'), context))).toBe('ok');
    expect(code(() => authenticate(device(stored), fields('402914'), context))).toBe('AUTH_STRING_MISMATCH');
    expect(code(() => authenticate(device(stored), fields(), context))).toBe('AUTH_STRING_MISSING');
  });

  it('still checks a string stored in clear by an older version; checks no hash without a key', () => {
    expect(code(() => authenticate(device('402913'), fields('402913'), context))).toBe('ok');
    expect(code(() => authenticate(device('402913'), fields('402914'), context))).toBe('AUTH_STRING_MISMATCH');
    const { authStringKey: _key, ...keyless } = context;
    expect(code(() => authenticate(device(hashAuthString('402913', KEY)), fields('402913'), keyless))).toBe('AUTH_STRING_KEY_MISSING');
    expect(code(() => authenticate(device(undefined), fields('402913'), context))).toBe('AUTH_STRING_NOT_SET');
  });
});
