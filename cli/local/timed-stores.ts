// Counts and times every store call of a listener worker (`capf bench`): a wrapper around each entity store.
import type { Stores } from '../../shared/ports/index.ts';

export interface StoreCallTiming {
  count: number;
  totalMs: number;
}

/** Wraps every method of every entity store so its calls are counted and timed (by `devices.get`, ...). */
export function timedStores(stores: Stores, timings: Map<string, StoreCallTiming>): Stores {
  const timed = <T extends object>(entity: string, store: T): T =>
    new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        const name = `${entity}.${property}`;
        return async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            const timing = timings.get(name) ?? { count: 0, totalMs: 0 };
            timing.count += 1;
            timing.totalMs += performance.now() - started;
            timings.set(name, timing);
          }
        };
      },
    });
  return { devices: timed('devices', stores.devices), issuances: timed('issuances', stores.issuances), parameters: timed('parameters', stores.parameters), trust: timed('trust', stores.trust), csrs: timed('csrs', stores.csrs), audit: timed('audit', stores.audit), monitor: timed('monitor', stores.monitor), templates: timed('templates', stores.templates), bulk: timed('bulk', stores.bulk) };
}
