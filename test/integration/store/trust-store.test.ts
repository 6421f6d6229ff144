// The trust store on the shared table: per-store lists by Query, conditional adds that keep what is there, removes
// that say whether anything was removed; on dynalite and moto.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrustEntry, TrustStoreName } from '../../../shared/ports/index.ts';
import { BACKENDS } from './store-backends.ts';

function entry(store: TrustStoreName, n: number, overrides: Partial<TrustEntry> = {}): TrustEntry {
  return {
    id: n.toString(16).padStart(64, '0'),
    store,
    subject: `CN=Root ${n}`,
    issuer: `CN=Root ${n}`,
    keyId: n.toString(16).padStart(40, '0'),
    notAfter: '2030-01-01T00:00:00.000Z',
    description: `root ${n}`,
    addedAt: `2026-01-01T00:00:0${n % 10}.000Z`,
    pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    ...overrides,
  };
}

describe.each(BACKENDS)('trust store on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  beforeAll(async () => {
    connection = await backend.connect();
  });
  afterAll(async () => {
    await connection.close();
  });

  it('adds, lists per store and in both, gets, and removes', async () => {
    const { trust } = await connection.newStore();
    expect(await trust.list()).toEqual([]);
    const result = await trust.add([entry('capf', 2), entry('capf', 1), entry('callmanager', 1)]);
    expect(result.added).toHaveLength(3);
    expect((await trust.list('capf')).map((e) => e.subject)).toEqual(['CN=Root 1', 'CN=Root 2']);
    expect((await trust.list('callmanager')).map((e) => e.store)).toEqual(['callmanager']);
    expect(await trust.list()).toHaveLength(3);
    expect(await trust.get('capf', entry('capf', 1).id)).toEqual(entry('capf', 1));
    expect(await trust.get('callmanager', entry('capf', 2).id)).toBeUndefined();
    expect(await trust.remove('capf', entry('capf', 1).id)).toEqual(entry('capf', 1));
    expect(await trust.remove('capf', entry('capf', 1).id)).toBeUndefined();
    expect((await trust.list('capf')).map((e) => e.subject)).toEqual(['CN=Root 2']);
    expect(await trust.list('callmanager')).toHaveLength(1);
  });

  it('adding a certificate already in the store keeps the stored entry and reports it', async () => {
    const { trust } = await connection.newStore();
    await trust.add([entry('capf', 3)]);
    const again = await trust.add([entry('capf', 3, { description: 'second upload' }), entry('capf', 4)]);
    expect(again.added.map((e) => e.subject)).toEqual(['CN=Root 4']);
    expect(again.existing).toEqual([entry('capf', 3)]);
    expect((await trust.get('capf', entry('capf', 3).id))?.description).toBe('root 3');
  });

  it('two concurrent adds of one certificate: exactly one adds it', async () => {
    const { trust } = await connection.newStore();
    const [a, b] = await Promise.all([trust.add([entry('capf', 5, { description: 'a' })]), trust.add([entry('capf', 5, { description: 'b' })])]);
    expect(a.added.length + b.added.length).toBe(1);
    expect(a.existing.length + b.existing.length).toBe(1);
  });
});
