// Failed authentications per peer address (issue 10 item 1): past its budget in one minute an address is refused at
// TLS accept for a cool-down. Addresses inside the phone networks (a whole site behind one NAT address) get a larger
// budget of their own. Memory is bounded by an LRU of addresses; IPv6 peers count by their /64. The clock comes in
// as a value: the listener passes Date.now(), tests pass what they like.
import type { ServiceParameters } from '../shared/ports/index.ts';
import { inAnyCidr, limiterKey, type Cidr } from '../shared/util/cidr.ts';
import { LruMap } from '../shared/util/lru.ts';

export interface AddressBudget {
  /** Failures per minute from one address outside the phone networks. */
  failuresPerMinute: number;
  /** The same inside the phone networks. */
  phoneNetworkFailuresPerMinute: number;
  cooldownMs: number;
}

/** The budget the service parameters set. */
export function addressBudget(parameters: Pick<ServiceParameters, 'addressFailureLimit' | 'phoneNetworkFailureLimit' | 'addressCooldownSeconds'>): AddressBudget {
  return {
    failuresPerMinute: parameters.addressFailureLimit,
    phoneNetworkFailuresPerMinute: parameters.phoneNetworkFailureLimit,
    cooldownMs: parameters.addressCooldownSeconds * 1000,
  };
}

/** What counting one failure did: when it started a cool-down, the line the listener logs (once per cool-down). */
export interface FailureCounted {
  key: string;
  failures: number;
  limit: number;
  phoneNetwork: boolean;
  /** Set when this failure reached the limit: refused until then (ms since the epoch). */
  refusedUntil?: number;
}

interface Entry {
  windowStart: number;
  failures: number;
  refusedUntil: number;
}

const WINDOW_MS = 60_000;
/** Addresses remembered at once: ~100 bytes each, a few MB at most. */
export const DEFAULT_TRACKED_ADDRESSES = 50_000;

export class AddressLimiter {
  private readonly entries: LruMap<string, Entry>;

  constructor(
    private readonly phoneNetworks: readonly Cidr[] = [],
    capacity = DEFAULT_TRACKED_ADDRESSES,
  ) {
    this.entries = new LruMap(capacity);
  }

  get tracked(): number {
    return this.entries.size;
  }

  /** Whether a connection from this address is refused now (a refused address stays recent in the LRU). */
  refuses(address: string, now: number): boolean {
    const entry = this.entries.get(limiterKey(address));
    return entry !== undefined && entry.refusedUntil > now;
  }

  isPhoneNetwork(address: string): boolean {
    return inAnyCidr(this.phoneNetworks, address);
  }

  /** Counts one failed authentication from the address; reaching the budget starts a cool-down. */
  countFailure(address: string, budget: AddressBudget, now: number): FailureCounted {
    const key = limiterKey(address);
    const phoneNetwork = this.isPhoneNetwork(address);
    const limit = phoneNetwork ? budget.phoneNetworkFailuresPerMinute : budget.failuresPerMinute;
    const entry = this.entries.get(key) ?? { windowStart: now, failures: 0, refusedUntil: 0 };
    if (now - entry.windowStart >= WINDOW_MS || (entry.refusedUntil !== 0 && entry.refusedUntil <= now)) {
      // A new minute, or a cool-down that has ended: the address starts afresh.
      entry.windowStart = now;
      entry.failures = 0;
      entry.refusedUntil = 0;
    }
    entry.failures += 1;
    this.entries.set(key, entry);
    const counted: FailureCounted = { key, failures: entry.failures, limit, phoneNetwork };
    if (entry.failures >= limit && entry.refusedUntil <= now) {
      entry.refusedUntil = now + budget.cooldownMs;
      counted.refusedUntil = entry.refusedUntil;
    }
    return counted;
  }
}
