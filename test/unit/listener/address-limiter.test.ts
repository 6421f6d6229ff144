// The per-address failure budget (issue 10 item 1) and the LRU that bounds its memory, with a clock passed in.
import { describe, expect, it } from 'vitest';
import { AddressLimiter, addressBudget } from '../../../listener/address-limiter.ts';
import { DEFAULT_PARAMETERS } from '../../../shared/domain/parameters.ts';
import { parseCidrList } from '../../../shared/util/cidr.ts';
import { LruMap } from '../../../shared/util/lru.ts';

const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const budget = { failuresPerMinute: 3, phoneNetworkFailuresPerMinute: 10, cooldownMs: 5_000 };

describe('LruMap', () => {
  it('holds 100k addresses in a bounded map: the oldest are evicted, the recently used stay', () => {
    const lru = new LruMap<string, number>(10_000);
    lru.set('198.51.100.1', -1);
    for (let i = 0; i < 100_000; i++) {
      lru.set(ip(i), i);
      if (i % 1000 === 0) lru.get('198.51.100.1'); // kept recent by use
    }
    expect(lru.size).toBe(10_000);
    // The kept address holds one place; the 9,999 newest others hold the rest.
    expect(lru.peek(ip(0))).toBeUndefined();
    expect(lru.peek(ip(90_000))).toBeUndefined();
    expect(lru.peek(ip(90_001))).toBe(90_001);
    expect(lru.peek(ip(99_999))).toBe(99_999);
    expect(lru.get('198.51.100.1')).toBe(-1);
    expect([...lru.keys()].at(-1)).toBe('198.51.100.1');
    expect(() => new LruMap(0)).toThrow(RangeError);
  });

  it('peek leaves the order alone; get moves the entry to the newest end', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.peek('a');
    lru.set('c', 3);
    expect([...lru.keys()]).toEqual(['b', 'c']);
    lru.get('b');
    lru.set('d', 4);
    expect([...lru.keys()]).toEqual(['b', 'd']);
    expect(lru.delete('b')).toBe(true);
    expect(lru.size).toBe(1);
  });
});

describe('AddressLimiter', () => {
  it('starts a cool-down at the budget, reports it once, and lets the address back after it', () => {
    const limiter = new AddressLimiter();
    expect(limiter.countFailure('198.51.100.9', budget, 0)).toEqual({ key: '198.51.100.9', failures: 1, limit: 3, phoneNetwork: false });
    limiter.countFailure('198.51.100.9', budget, 1_000);
    expect(limiter.refuses('198.51.100.9', 1_000)).toBe(false);
    expect(limiter.countFailure('198.51.100.9', budget, 2_000)).toMatchObject({ failures: 3, refusedUntil: 7_000 });
    expect(limiter.refuses('198.51.100.9', 2_001)).toBe(true);
    expect(limiter.refuses('198.51.100.10', 2_001)).toBe(false);
    // A session already running when the cool-down began may still fail: counted, no second cool-down start.
    expect(limiter.countFailure('198.51.100.9', budget, 3_000).refusedUntil).toBeUndefined();
    expect(limiter.refuses('198.51.100.9', 6_999)).toBe(true);
    expect(limiter.refuses('198.51.100.9', 7_000)).toBe(false);
    // After the cool-down the count starts afresh.
    expect(limiter.countFailure('198.51.100.9', budget, 7_500)).toMatchObject({ failures: 1 });
  });

  it('counts per minute: failures spread over more than a minute never reach the budget', () => {
    const limiter = new AddressLimiter();
    for (let minute = 0; minute < 10; minute++) {
      limiter.countFailure('198.51.100.9', budget, minute * 60_000);
      expect(limiter.countFailure('198.51.100.9', budget, minute * 60_000 + 30_000).refusedUntil).toBeUndefined();
    }
    expect(limiter.refuses('198.51.100.9', 600_000)).toBe(false);
  });

  it('gives the phone networks their own budget', () => {
    const limiter = new AddressLimiter(parseCidrList('10.0.0.0/8'));
    for (let i = 1; i < 10; i++) expect(limiter.countFailure('10.1.2.3', budget, i).refusedUntil).toBeUndefined();
    expect(limiter.countFailure('10.1.2.3', budget, 10)).toMatchObject({ failures: 10, limit: 10, phoneNetwork: true, refusedUntil: 5_010 });
  });

  it('remembers a bounded number of addresses: 100k peers evict the oldest, not a refused one still hammering', () => {
    const limiter = new AddressLimiter([], 1_000);
    for (let i = 0; i < 3; i++) limiter.countFailure('203.0.113.1', budget, 0);
    for (let i = 0; i < 100_000; i++) {
      limiter.countFailure(ip(i), budget, 1);
      if (i % 500 === 0) expect(limiter.refuses('203.0.113.1', 2)).toBe(true);
    }
    expect(limiter.tracked).toBe(1_000);
    expect(limiter.refuses('203.0.113.1', 2)).toBe(true);
  });

  it('takes its budget from the service parameters', () => {
    expect(addressBudget(DEFAULT_PARAMETERS)).toEqual({ failuresPerMinute: 100, phoneNetworkFailuresPerMinute: 1_000, cooldownMs: 300_000 });
  });
});
