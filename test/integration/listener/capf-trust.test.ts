// CAPF-trust for certificate authentication (listener/capf-trust.ts) over the trust store on dynalite: the CAPF
// certificate always, the store's CAPF-trust entries (never CallManager-trust), read once per TTL, concurrent callers
// sharing one read, the same DER objects across reads, the last good read kept when the store fails, a new CAPF
// certificate read again at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capfTrustAnchors } from '../../../listener/capf-trust.ts';
import { TrustAdmin } from '../../../shared/admin/trust.ts';
import { StoreError } from '../../../shared/errors.ts';
import { MemoryLogger } from '../../../shared/logging.ts';
import { pemToDer } from '../../../shared/pki/index.ts';
import type { TrustStore } from '../../../shared/ports/index.ts';
import { makeCert } from '../../support/trust-pki.ts';
import { BACKENDS } from '../store/store-backends.ts';

const dynalite = BACKENDS.find((backend) => backend.name === 'dynalite')!;

describe('capfTrustAnchors', () => {
  let connection: Awaited<ReturnType<typeof dynalite.connect>>;
  beforeAll(async () => {
    connection = await dynalite.connect();
  });
  afterAll(() => connection.close());

  it('serves the CAPF certificate plus CAPF-trust entries, re-read once the TTL has passed', async () => {
    const stores = await connection.newStore();
    const admin = new TrustAdmin({ trust: stores.trust, audit: { record: async () => undefined } });
    const [capf, root, other] = await Promise.all([makeCert({ name: 'CN=CAPF-current', ca: true }), makeCert({ name: 'CN=Root A', ca: true }), makeCert({ name: 'CN=Root B', ca: true })]);
    await admin.add({ actor: 't' }, root.pem, { store: 'capf' });
    await admin.add({ actor: 't' }, other.pem, { store: 'callmanager' });
    let reads = 0;
    const counted: Pick<TrustStore, 'list'> = { list: (store) => (reads++, stores.trust.list(store)) };
    let clock = 1_000;
    const anchors = capfTrustAnchors({ trust: counted, capfCertificates: () => [pemToDer(capf.pem)], ttlMs: 5_000, now: () => clock });

    const [first, concurrent] = await Promise.all([anchors(), anchors()]);
    expect(reads).toBe(1);
    expect(first.map((der) => Buffer.from(der))).toEqual([Buffer.from(pemToDer(capf.pem)), Buffer.from(pemToDer(root.pem))]);
    expect(concurrent[1]).toBe(first[1]);

    await admin.add({ actor: 't' }, other.pem, { store: 'capf' });
    clock += 4_999;
    expect(await anchors()).toHaveLength(2);
    clock += 2;
    const later = await anchors();
    expect(reads).toBe(2);
    expect(later).toHaveLength(3);
    expect(later[1]).toBe(first[1]); // unchanged entries keep their DER object (parsed once by chain.ts)
  });

  it('reads the store again at once when the CAPF certificate changes (ca regenerate), not after the TTL', async () => {
    const stores = await connection.newStore();
    const admin = new TrustAdmin({ trust: stores.trust, audit: { record: async () => undefined } });
    const [before, after] = await Promise.all([makeCert({ name: 'CN=Old CAPF', ca: true }), makeCert({ name: 'CN=New CAPF', ca: true })]);
    let current = before;
    let reads = 0;
    const counted: Pick<TrustStore, 'list'> = { list: (store) => (reads++, stores.trust.list(store)) };
    const anchors = capfTrustAnchors({ trust: counted, capfCertificates: () => [pemToDer(current.pem)], ttlMs: 60_000, now: () => 0 });
    expect(await anchors()).toHaveLength(1);
    // What regenerating does: the replaced certificate becomes a CAPF-trust entry, the new one is in use.
    await admin.add({ actor: 't' }, before.pem, { store: 'capf' });
    current = after;
    const next = (await anchors()).map((der) => Buffer.from(der));
    expect(reads).toBe(2);
    expect(next).toEqual([Buffer.from(pemToDer(after.pem)), Buffer.from(pemToDer(before.pem))]);
    await anchors();
    expect(reads).toBe(2); // the same certificate again: the cache holds
  });

  it('keeps the last good anchors when the store fails, and fails when it never answered', async () => {
    const stores = await connection.newStore();
    const root = await makeCert({ name: 'CN=Root C', ca: true });
    await new TrustAdmin({ trust: stores.trust, audit: { record: async () => undefined } }).add({ actor: 't' }, root.pem, { store: 'capf' });
    let failing = false;
    const flaky: Pick<TrustStore, 'list'> = { list: (store) => (failing ? Promise.reject(new StoreError('throttled')) : stores.trust.list(store)) };
    let clock = 0;
    const logger = new MemoryLogger();
    const anchors = capfTrustAnchors({ trust: flaky, capfCertificates: () => [], ttlMs: 10, now: () => clock, logger });
    expect(await anchors()).toHaveLength(1);
    failing = true;
    clock += 100;
    expect(await anchors()).toHaveLength(1);
    expect(logger.entries.some((e) => e.level === 'warn')).toBe(true);
    const cold = capfTrustAnchors({ trust: flaky, capfCertificates: () => [], now: () => clock });
    await expect(cold()).rejects.toBeInstanceOf(StoreError);
  });
});
