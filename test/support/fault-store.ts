// A Stores that fails on purpose. Chosen calls throw exactly what Stores throws when DynamoDB throttles
// (after the SDK's own retries) or when the client's request timeout passes, or they are merely slow; every other
// call goes straight to the real store. A timeout can be "applied": the write reached the table, but the caller
// never heard back (the ambiguous outcome a retry must cope with).
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { storeFailure } from '../../shared/store/dynamo-table.ts';
import type { Stores } from '../../shared/ports/index.ts';

/** A store call by entity and method, as `devices.get` or `devices.claimKey`. */
export type StoreMethod = {
  [E in keyof Stores]: `${E & string}.${{ [M in keyof Stores[E]]: Stores[E][M] extends (...args: never[]) => Promise<unknown> ? M & string : never }[keyof Stores[E]]}`;
}[keyof Stores];

export type StoreFault =
  /** Refused before reaching the table, as after the SDK's retries on ProvisionedThroughputExceededException. */
  | { kind: 'throttle' }
  /** The client gives up after `afterMs`; with `applied` the call still reached the table first. */
  | { kind: 'timeout'; afterMs: number; applied: boolean }
  /** Answers correctly, `delayMs` late. */
  | { kind: 'slow'; delayMs: number };

interface Plan {
  method: StoreMethod;
  fault: StoreFault;
  remaining: number;
}

export interface FaultRecord {
  method: StoreMethod;
  fault: StoreFault['kind'] | 'none';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FaultStore {
  /** Every call made through the wrapper, in order, with the fault it met. */
  readonly calls: FaultRecord[] = [];
  readonly store: Stores;
  private plans: Plan[] = [];

  constructor(readonly inner: Stores) {
    const faulty = <T extends object>(entity: string, store: T): T =>
      new Proxy(store, {
        get: (target, property, receiver) => {
          const value = Reflect.get(target, property, receiver) as unknown;
          if (typeof value !== 'function') return value;
          const method = `${entity}.${String(property)}` as StoreMethod;
          return (...args: unknown[]) => this.call(method, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        },
      });
    this.store = { devices: faulty('devices', inner.devices), issuances: faulty('issuances', inner.issuances), parameters: faulty('parameters', inner.parameters), trust: faulty('trust', inner.trust), csrs: faulty('csrs', inner.csrs), audit: faulty('audit', inner.audit), monitor: faulty('monitor', inner.monitor), templates: faulty('templates', inner.templates), bulk: faulty('bulk', inner.bulk) };
  }

  /** The next `times` calls of `method` meet `fault` (plans for one method apply in the order they were added). */
  inject(method: StoreMethod, fault: StoreFault, times = 1): this {
    this.plans.push({ method, fault, remaining: times });
    return this;
  }

  /** Drops every plan not used up yet and forgets the calls made so far. */
  clear(): void {
    this.plans = [];
    this.calls.length = 0;
  }

  /** How many calls of `method` met a fault (of `kind`, when given). */
  faulted(method: StoreMethod, kind?: StoreFault['kind']): number {
    return this.calls.filter((c) => c.method === method && c.fault !== 'none' && (kind === undefined || c.fault === kind)).length;
  }

  private async call(method: StoreMethod, real: () => Promise<unknown>): Promise<unknown> {
    const plan = this.plans.find((p) => p.method === method && p.remaining > 0);
    this.calls.push({ method, fault: plan?.fault.kind ?? 'none' });
    if (!plan) return real();
    plan.remaining -= 1;
    const fault = plan.fault;
    switch (fault.kind) {
      case 'throttle':
        throw storeFailure(`${method} (injected)`, throttled());
      case 'slow':
        await sleep(fault.delayMs);
        return real();
      case 'timeout': {
        if (fault.applied) await real();
        await sleep(fault.afterMs);
        throw storeFailure(`${method} (injected)`, timedOut(fault.afterMs));
      }
    }
  }
}

/** The SDK's own exception class, as DynamoDB sends it when a table is throttled. */
function throttled(): Error {
  return new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level',
    $metadata: { httpStatusCode: 400 },
  });
}

/** What @smithy/node-http-handler raises when requestTimeout passes. */
function timedOut(ms: number): Error {
  const error = new Error(`Request timed out after ${ms} ms`);
  error.name = 'TimeoutError';
  return error;
}
