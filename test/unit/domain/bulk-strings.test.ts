// The unique strings of a bulk job (shared/domain/bulk-strings.ts): 8 digits, distinct for distinct places, the same
// for the same key and place (a resumed run), different under another seed, and pinned so a change of the derivation
// (which would give a resumed job's devices strings other than those shown) fails here.
import { describe, expect, it } from 'vitest';
import { bulkString, bulkStringKey } from '../../../shared/domain/bulk-strings.ts';

const deploymentKey = new Uint8Array(32).fill(7);

describe('bulk job strings', () => {
  it('are 8 digits, distinct over the places of a job, and the same again for the same key', () => {
    const key = bulkStringKey(deploymentKey, 'seed');
    const strings = Array.from({ length: 30_000 }, (_, i) => bulkString(key, i));
    expect(strings.every((s) => /^\d{8}$/.test(s))).toBe(true);
    expect(new Set(strings).size).toBe(strings.length);
    const again = bulkStringKey(deploymentKey, 'seed'); // a resumed run derives its own key object
    expect([0, 12_345, 29_999].map((i) => bulkString(again, i))).toEqual([strings[0], strings[12_345], strings[29_999]]);
  });

  it('depend on the seed and on the deployment key', () => {
    const a = bulkStringKey(deploymentKey, 'seed');
    expect(bulkString(bulkStringKey(deploymentKey, 'other'), 1)).not.toBe(bulkString(a, 1));
    expect(bulkString(bulkStringKey(new Uint8Array(32).fill(8), 'seed'), 1)).not.toBe(bulkString(a, 1));
  });

  it('are pinned (the derivation never changes under a job that is running)', () => {
    const key = bulkStringKey(deploymentKey, 'seed');
    expect([0, 1, 2, 99_999_999].map((i) => bulkString(key, i))).toEqual(['47061762', '74468371', '57221875', '31594998']);
    expect(() => bulkString(key, 100_000_000)).toThrow(RangeError);
    expect(() => bulkString(key, -1)).toThrow(RangeError);
  });
});
