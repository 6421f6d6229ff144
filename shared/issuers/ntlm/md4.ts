// MD4 (RFC 1320). NTLM's NT hash is MD4 of the UTF-16LE password, and OpenSSL 3 (Node 20) only offers MD4 through the
// legacy provider, which Lambda does not load. MD4 is broken as a general hash: use it for NTLM and nothing else.

const INITIAL_STATE = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476] as const;

// Round 2 and 3 additive constants (RFC 1320 section 3.4).
const ROUND2 = 0x5a827999;
const ROUND3 = 0x6ed9eba1;

// Per-round word order and shift amounts (RFC 1320 section 3.4).
const ORDER_R1 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const ORDER_R2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const ORDER_R3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
const SHIFT_R1 = [3, 7, 11, 19];
const SHIFT_R2 = [3, 5, 9, 13];
const SHIFT_R3 = [3, 9, 11, 15];

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** Pads per RFC 1320 3.1/3.2: a 1 bit, zeros to 56 mod 64 bytes, then the bit length as a 64-bit little-endian. */
function pad(message: Uint8Array): Uint8Array {
  const paddedLength = (((message.length + 8) >> 6) + 1) << 6;
  const out = new Uint8Array(paddedLength);
  out.set(message);
  out[message.length] = 0x80;
  const view = new DataView(out.buffer);
  const bits = message.length * 8;
  view.setUint32(paddedLength - 8, bits >>> 0, true);
  view.setUint32(paddedLength - 4, Math.floor(bits / 0x1_0000_0000), true);
  return out;
}

function compressBlock(state: number[], words: Uint32Array): void {
  let [a, b, c, d] = state as [number, number, number, number];
  const f = (x: number, y: number, z: number): number => (x & y) | (~x & z);
  const g = (x: number, y: number, z: number): number => (x & y) | (x & z) | (y & z);
  const h = (x: number, y: number, z: number): number => x ^ y ^ z;
  const rounds: Array<[(x: number, y: number, z: number) => number, number[], number[], number]> = [
    [f, ORDER_R1, SHIFT_R1, 0],
    [g, ORDER_R2, SHIFT_R2, ROUND2],
    [h, ORDER_R3, SHIFT_R3, ROUND3],
  ];
  for (const [fn, order, shifts, constant] of rounds) {
    for (let i = 0; i < 16; i++) {
      const word = words[order[i] as number] as number;
      const shift = shifts[i % 4] as number;
      const next = rotl((a + fn(b, c, d) + word + constant) >>> 0, shift);
      // Rotate the registers: the newly computed value takes d's place in the next step's "a" slot.
      a = d;
      d = c;
      c = b;
      b = next;
    }
  }
  state[0] = (state[0]! + a) >>> 0;
  state[1] = (state[1]! + b) >>> 0;
  state[2] = (state[2]! + c) >>> 0;
  state[3] = (state[3]! + d) >>> 0;
}

/** The 16-byte MD4 digest of `message`. */
export function md4(message: Uint8Array): Buffer {
  const padded = pad(message);
  const view = new DataView(padded.buffer);
  const state = [...INITIAL_STATE];
  const words = new Uint32Array(16);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) words[i] = view.getUint32(offset + i * 4, true);
    compressBlock(state, words);
  }
  const digest = Buffer.alloc(16);
  state.forEach((word, i) => digest.writeUInt32LE(word, i * 4));
  return digest;
}
