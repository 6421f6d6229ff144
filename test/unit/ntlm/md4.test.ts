import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { md4 } from '../../../shared/issuers/ntlm/md4.ts';

// RFC 1320 appendix A.5 test suite.
const RFC1320_VECTORS: Array<[string, string]> = [
  ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
  ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
  ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
  ['message digest', 'd9130a8164549fe818874806e1c7014b'],
  ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
  ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
  ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', 'e33b4ddc9c38f2199c3e7b164fcc0536'],
];

describe('md4', () => {
  it.each(RFC1320_VECTORS)('MD4(%j) matches RFC 1320', (input, expected) => {
    expect(md4(Buffer.from(input, 'latin1')).toString('hex')).toBe(expected);
  });

  it('gives the NT hash of MS-NLMP 4.2.2.1.2 (NTOWFv1 of "Password")', () => {
    expect(md4(Buffer.from('Password', 'utf16le')).toString('hex')).toBe('a4f49c406510bdcab6824ee7c30fd852');
  });

  it('handles every length around the 56-byte padding boundary and multi-block input', () => {
    // Lengths 55, 56, 63, 64 and 65 exercise the padding edge cases; the digest must change with every byte.
    const seen = new Set<string>();
    for (const length of [0, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000]) {
      const digest = md4(Buffer.alloc(length, 0x61)).toString('hex');
      expect(digest).toMatch(/^[0-9a-f]{32}$/);
      seen.add(digest);
    }
    expect(seen.size).toBe(11);
  });

  it('is deterministic and sensitive to a single bit flip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), (bytes, position) => {
        const flipped = Uint8Array.from(bytes);
        const index = position % flipped.length;
        flipped[index] = (flipped[index] as number) ^ 0x01;
        expect(md4(bytes).equals(md4(Uint8Array.from(bytes)))).toBe(true);
        expect(md4(bytes).equals(md4(flipped))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
