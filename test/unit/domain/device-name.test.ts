// Device names as CUCM checks them (shared/domain/device-name.ts): phones SEP + 12 hex, software clients by prefix.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { isCucmDeviceName, MAX_DEVICE_NAME_LENGTH, normaliseDeviceName } from '../../../shared/domain/device-name.ts';

describe('normaliseDeviceName', () => {
  it.each([
    ['SEP001122334455', 'SEP001122334455'],
    ['sep00112233aabb', 'SEP00112233AABB'],
    ['CSFJSMITH', 'CSFJSMITH'],
    ['csfjsmith', 'CSFJSMITH'],
    ['BOTJ.SMITH_2-X', 'BOTJ.SMITH_2-X'],
    ['TCT123456789012', 'TCT123456789012'],
    ['TABX', 'TABX'],
  ])('accepts %j as %j', (input, canonical) => {
    expect(normaliseDeviceName(input)).toBe(canonical);
  });

  it.each([
    ['SEP0011', 'too few hex digits'],
    ['SEP00112233445G', 'not hex'],
    ['SEP0011223344556', 'too long'],
    ['FOO', 'no known class'],
    ['CSF', 'prefix only'],
    ['CSFJSMITH1234567', '16 characters'],
    ['SEP001122334455AABB', '19 characters'],
    ['CSFJ SMITH', 'a space'],
    ['CSFJ\u00e9', 'non-ASCII'],
    ['CSF\u00df\u00df', 'a letter upper-casing to two ASCII letters'],
    ['', 'empty'],
  ])('refuses %j (%s) saying what a valid name looks like', (input) => {
    let error: unknown;
    try {
      normaliseDeviceName(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('INVALID_DEVICE_NAME');
    expect((error as Error).message).toMatch(/SEP \+ its MAC address as 12 hex digits.*CSF, BOT, TCT, TAB.*at most 15 characters/);
  });

  it('refuses a 16 KiB name without echoing it', () => {
    expect(() => normaliseDeviceName('A'.repeat(16_384))).toThrow(/\(16384 characters\)/);
    try {
      normaliseDeviceName('A'.repeat(16_384));
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(400);
    }
  });

  it('refuses what is not a string', () => {
    expect(() => normaliseDeviceName(42)).toThrow(ValidationError);
    expect(() => normaliseDeviceName(undefined)).toThrow(ValidationError);
  });

  it('every accepted name is upper case, at most 15 characters, accepted again unchanged and by isCucmDeviceName', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (input) => {
        let name: string;
        try {
          name = normaliseDeviceName(input);
        } catch {
          return true;
        }
        return name === name.toUpperCase() && name.length <= MAX_DEVICE_NAME_LENGTH && normaliseDeviceName(name) === name && isCucmDeviceName(name);
      }),
    );
  });
});
