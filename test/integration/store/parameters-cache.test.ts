// The parameters cache over a real store (dynalite): reads are reused for their lifetime, concurrent callers share one
// read, a change shows once the lifetime ends, and a failed read is not remembered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../../shared/errors.ts';
import { ParametersCache } from '../../../shared/domain/parameters-cache.ts';
import type { ServiceParameters, Stores } from '../../../shared/ports/index.ts';
import { BACKENDS } from './store-backends.ts';

const dynalite = BACKENDS.find((backend) => backend.name === 'dynalite');
if (!dynalite) throw new Error('the store suite lost its dynalite backend');

/** The real parameter store, with its reads counted (and made to fail while `failing` is set). */
function counted(store: Stores) {
  const counter = { reads: 0, failing: false };
  const source = {
    get: async (): Promise<ServiceParameters> => {
      counter.reads++;
      if (counter.failing) throw new StoreError('the table is unavailable', 'STORE_UNAVAILABLE');
      return store.parameters.get();
    },
  };
  return { counter, source };
}

describe('ParametersCache', () => {
  let connection: Awaited<ReturnType<NonNullable<typeof dynalite>['connect']>>;
  beforeAll(async () => {
    connection = await dynalite.connect();
  });
  afterAll(async () => {
    await connection.close();
  });

  it('reuses a read for its lifetime, then reads again and sees the change', async () => {
    const store = await connection.newStore();
    await store.parameters.update({ lscValidityDays: 30 });
    const { counter, source } = counted(store);
    let now = 1_000_000;
    const cache = new ParametersCache(source, 5_000, () => now);

    expect((await cache.get()).lscValidityDays).toBe(30);
    await store.parameters.update({ lscValidityDays: 60 });
    now += 4_999;
    expect((await cache.get()).lscValidityDays).toBe(30);
    expect(counter.reads).toBe(1);
    now += 1;
    expect((await cache.get()).lscValidityDays).toBe(60);
    expect(counter.reads).toBe(2);
  });

  it('lets concurrent callers share one read', async () => {
    const store = await connection.newStore();
    const { counter, source } = counted(store);
    const cache = new ParametersCache(source, 5_000);
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(counter.reads).toBe(1);
    expect(new Set(answers.map((answer) => answer.lscValidityDays)).size).toBe(1);
  });

  it('does not remember a failed read: every caller of that read gets the error, the next caller reads again', async () => {
    const store = await connection.newStore();
    await store.parameters.update({ lscValidityDays: 90 });
    const { counter, source } = counted(store);
    const cache = new ParametersCache(source, 5_000);
    counter.failing = true;
    const failed = await Promise.allSettled([cache.get(), cache.get()]);
    expect(failed.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(counter.reads).toBe(1);
    counter.failing = false;
    expect((await cache.get()).lscValidityDays).toBe(90);
    expect(counter.reads).toBe(2);
  });

  it('reads every time with a lifetime of 0', async () => {
    const store = await connection.newStore();
    const { counter, source } = counted(store);
    const cache = new ParametersCache(source, 0);
    await cache.get();
    await cache.get();
    expect(counter.reads).toBe(2);
  });
});
