import { generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssuerError } from '../../../shared/errors.ts';
import { ecdsaDerToRaw, ecdsaRawToDer } from '../../../shared/issuers/capf-ca/ecdsa-signature.ts';

const data = new TextEncoder().encode('to be signed');

describe('ECDSA DER <-> IEEE P1363', () => {
  for (const [curve, field] of [['P-256', 32], ['P-384', 48], ['P-521', 66]] as const) {
    it(`converts real ${curve} signatures both ways`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      for (let i = 0; i < 20; i++) {
        const der = sign('sha256', data, privateKey);
        const raw = ecdsaDerToRaw(der, field);
        expect(raw.length).toBe(2 * field);
        expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
        expect(Buffer.from(ecdsaRawToDer(raw))).toEqual(der);
        const rawSigned = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        expect(verify('sha256', data, publicKey, ecdsaRawToDer(rawSigned))).toBe(true);
      }
    });
  }

  it('round-trips any non-zero r and s', () => {
    const nonZero = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((a) => a.some((b) => b !== 0));
    fc.assert(
      fc.property(nonZero, nonZero, (r, s) => {
        const raw = new Uint8Array([...r, ...s]);
        expect(ecdsaDerToRaw(ecdsaRawToDer(raw), 32)).toEqual(raw);
      }),
    );
  });

  it('refuses malformed DER with a specific IssuerError', () => {
    const cases: Array<[number[], RegExp]> = [
      [[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], /expected a SEQUENCE/],
      [[0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01], /negative/],
      [[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01], /superfluous leading zero/],
      [[0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, 0x00], /trailing bytes/],
      [[0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], /SEQUENCE length does not match/],
      [[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], /long-form length/],
      [[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01], /zero/],
      [[0x30, 0x06, 0x02, 0x09, 0x01, 0x02, 0x01, 0x01], /runs past the end/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => ecdsaDerToRaw(new Uint8Array(bytes), 32)).toThrow(message);
      expect(() => ecdsaDerToRaw(new Uint8Array(bytes), 32)).toThrow(IssuerError);
    }
    const tooLong = new Uint8Array([0x30, 0x46, 0x02, 0x21, 0x01, ...new Uint8Array(32), 0x02, 0x21, 0x01, ...new Uint8Array(32)]);
    expect(() => ecdsaDerToRaw(tooLong, 32)).toThrow(/longer than 32 bytes/);
    expect(() => ecdsaDerToRaw(new Uint8Array(400), 32)).toThrow(/out of range/);
    expect(() => ecdsaRawToDer(new Uint8Array(63))).toThrow(/not r ‖ s/);
    expect(() => ecdsaRawToDer(new Uint8Array(64))).toThrow(/r is zero/);
  });
});
