// Unique authentication strings for a bulk job (F11), 8 digits each, without keeping any in clear: the string of the
// device at place i of the job's target list is a keyed permutation of i over 0..99,999,999 (a Feistel network on
// 28 bits, cycle-walked into range), keyed by HMAC(deployment key, job seed). Distinct places give distinct strings,
// a resumed run gives the same device the same string, and once the seed is removed (`capf bulk strings` shows them
// once) nobody can compute them again: the devices keep only the keyed hashes. Pure.
import { createHmac } from 'node:crypto';

const DIGITS = 8;
const RANGE = 10 ** DIGITS;
const HALF_BITS = 14;
const HALF_MASK = (1 << HALF_BITS) - 1;
const ROUNDS = 8;

export function bulkStringKey(deploymentKey: Uint8Array, seed: string): Buffer {
  return createHmac('sha256', deploymentKey).update(`capf-bulk-strings\0${seed}`).digest();
}

/** Each round's function of a key, computed once per (round, input) and kept with the key: a job's strings need at
 *  most ROUNDS x 2^14 HMACs however many devices it has (a walk through 200,000 would otherwise take ~5 million). */
const rounds = new WeakMap<Buffer, Int32Array>();

function round(key: Buffer, r: number, value: number): number {
  let table = rounds.get(key);
  if (!table) rounds.set(key, (table = new Int32Array(ROUNDS << HALF_BITS).fill(-1)));
  const slot = (r << HALF_BITS) | value;
  const known = table[slot]!;
  if (known >= 0) return known;
  const digest = createHmac('sha256', key).update(Buffer.from([r, value >> 8, value & 0xff])).digest();
  return (table[slot] = digest.readUInt16BE(0) & HALF_MASK);
}

function permute(key: Buffer, x: number): number {
  let left = x >> HALF_BITS;
  let right = x & HALF_MASK;
  for (let r = 0; r < ROUNDS; r++) {
    const next = left ^ round(key, r, right);
    left = right;
    right = next;
  }
  return left * (1 << HALF_BITS) + right;
}

/** The string of the device at place `index` (0 .. 99,999,999) of a job's targets. */
export function bulkString(key: Buffer, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= RANGE) throw new RangeError(`a bulk job has at most ${RANGE} devices`);
  let x = permute(key, index);
  while (x >= RANGE) x = permute(key, x); // a permutation of 0..2^28-1: walking the cycle lands in range
  return String(x).padStart(DIGITS, '0');
}
