// peerText: what a peer chose reaches logs and statuses escaped and capped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PEER_TEXT_MAX, peerList, peerText } from '../../shared/peer-text.ts';

describe('peerText', () => {
  it('keeps short printable ASCII as it is', () => {
    expect(peerText('SEP001122334455')).toBe('SEP001122334455');
    expect(peerText('CN=SEP001122334455, O=Cisco')).toBe('CN=SEP001122334455, O=Cisco');
  });

  it('escapes control characters, the backslash and non-ASCII', () => {
    expect(peerText('a\nb\r\tc\0')).toBe('a\\x0ab\\x0d\\x09c\\x00');
    expect(peerText('x\\y')).toBe('x\\\\y');
    expect(peerText('caf\u00e9 \u2028 \u{1f600}')).toBe('caf\\xe9 \\u{2028} \\u{1f600}');
    expect(peerText('\x1b[31mred')).toBe('\\x1b[31mred');
  });

  it('caps a 16 KiB value at 64 characters and says how long it was', () => {
    const out = peerText('A'.repeat(16_384));
    expect(out).toBe(`${'A'.repeat(64)}…(16384 chars)`);
  });

  it('reads bytes as Latin-1 and caps them the same way', () => {
    expect(peerText(Uint8Array.of(0x53, 0x45, 0x50, 0xff, 0x00))).toBe('SEP\\xff\\x00');
    expect(peerText(new Uint8Array(16_384).fill(0x01))).toBe(`${'\\x01'.repeat(16)}…(16384 chars)`);
  });

  it('property: any value comes out as printable ASCII of at most 64 characters plus the length note', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.uint8Array({ maxLength: 300 })), (value) => {
        const out = peerText(value);
        const [kept, note] = out.split('…');
        expect(kept!.length).toBeLessThanOrEqual(PEER_TEXT_MAX);
        expect(kept).toMatch(/^[\x20-\x7e]*$/);
        if (note !== undefined) expect(note).toBe(`(${value.length} chars)`);
        else if (typeof value === 'string' && /^[\x20-\x5b\x5d-\x7e]*$/.test(value)) expect(out).toBe(value);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('peerList', () => {
  it('shows at most 16 items and the total', () => {
    expect(peerList([9, 200])).toBe('9,200');
    expect(peerList(Array.from({ length: 5_000 }, (_, i) => i % 256))).toBe(`${Array.from({ length: 16 }, (_, i) => i).join(',')},…(5000 in all)`);
  });
});
