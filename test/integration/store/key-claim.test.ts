// The sign service's claim on a phone key, kept on the device item (issue 16): one write that checks the operation,
// counts a new key against the limit, claims it under a lease and marks the device in progress; dynalite and moto alike.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import type { Device } from '../../../shared/model.ts';
import type { KeyClaimRequest } from '../../../shared/ports/index.ts';
import { BACKENDS, installSettings, randomDeviceName, randomSpkiHash, storeForTests } from './store-backends.ts';

describe.each(BACKENDS)('key claims on the device item on $name', (backend) => {
  let clock = new Date('2026-03-01T10:00:00.000Z');
  const stores = storeForTests(backend, () => clock);
  const store = { get devices() { return stores().devices; } };

  const claimOf = (spkiSha256: string, requestId: string, extra: Partial<KeyClaimRequest> = {}): KeyClaimRequest => ({ spkiSha256, requestId, leaseMs: 60_000, limit: 3, ...extra });
  const armed = (): Promise<Device> => store.devices.put(installSettings(randomDeviceName()));

  it('gives one key to exactly one of 10 racing requests; the others see it held until the lease ends', async () => {
    const device = await armed();
    const key = randomSpkiHash();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.devices.claimKey(device.name, device.operationId, claimOf(key, `racer-${i}`, { sessionId: 7 }))));
    const winners = results.filter((r) => r.verdict === 'claimed');
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.verdict === 'held').map((r) => (r.verdict === 'held' ? r.leaseUntil : ''))).toEqual(Array(9).fill('2026-03-01T10:01:00.000Z'));
    const stored = await store.devices.get(device.name);
    expect(stored).toMatchObject({ certificatesIssued: 1, status: 'in-progress', statusSessionId: 7, version: device.version });
    expect(winners[0]?.device).toEqual(stored);
  });

  it('counts new keys up to the limit across racing requests; a held key is never counted twice', async () => {
    const device = await armed();
    const keys = Array.from({ length: 10 }, () => randomSpkiHash());
    const results = await Promise.all(keys.map((key, i) => store.devices.claimKey(device.name, device.operationId, claimOf(key, `key-${i}`))));
    expect(results.filter((r) => r.verdict === 'claimed')).toHaveLength(3);
    expect(results.filter((r) => r.verdict === 'limit')).toHaveLength(7);
    expect((await store.devices.get(device.name))?.certificatesIssued).toBe(3);
    const claimedKey = keys[results.findIndex((r) => r.verdict === 'claimed')] as string;
    expect((await store.devices.claimKey(device.name, device.operationId, claimOf(claimedKey, 'late'))).verdict).toBe('held');
    expect((await store.devices.get(device.name))?.certificatesIssued).toBe(3);
  });

  it('hands a lapsed claim to another request (a takeover, counted once), and lets its own request renew it', async () => {
    const device = await armed();
    const key = randomSpkiHash();
    expect(await store.devices.claimKey(device.name, device.operationId, claimOf(key, 'signer-a', { leaseMs: 30_000 }))).toMatchObject({ verdict: 'claimed', takeover: false });
    expect(await store.devices.claimKey(device.name, device.operationId, claimOf(key, 'signer-a', { leaseMs: 30_000 }))).toMatchObject({ verdict: 'claimed', takeover: true });
    expect(await store.devices.claimKey(device.name, device.operationId, claimOf(key, 'signer-b'))).toMatchObject({ verdict: 'held', leaseUntil: '2026-03-01T10:00:30.000Z' });
    clock = new Date(clock.getTime() + 31_000);
    expect(await store.devices.claimKey(device.name, device.operationId, claimOf(key, 'signer-b'))).toMatchObject({ verdict: 'claimed', takeover: true });
    expect(await store.devices.claimKey(device.name, device.operationId, claimOf(key, 'signer-a'))).toMatchObject({ verdict: 'held' });
    expect((await store.devices.get(device.name))?.certificatesIssued).toBe(1);
  });

  it('releases only its own claim, giving its count back; the key may then be claimed again', async () => {
    const device = await armed();
    const key = randomSpkiHash();
    await store.devices.claimKey(device.name, device.operationId, claimOf(key, 'refused'));
    await store.devices.releaseKey(device.name, device.operationId, key, 'someone-else');
    expect((await store.devices.get(device.name))?.certificatesIssued).toBe(1);
    await store.devices.releaseKey(device.name, device.operationId, key, 'refused');
    await store.devices.releaseKey(device.name, device.operationId, key, 'refused');
    expect((await store.devices.get(device.name))?.certificatesIssued).toBe(0);
    expect(await store.devices.claimKey(device.name, device.operationId, claimOf(key, 'next'))).toMatchObject({ verdict: 'claimed', takeover: false });
  });

  it('refuses an operation that ended, was replaced or never was; a re-armed operation starts with no claims and a new count', async () => {
    const device = await armed();
    const key = randomSpkiHash();
    for (let i = 0; i < 3; i++) await store.devices.claimKey(device.name, device.operationId, claimOf(randomSpkiHash(), `r-${i}`));
    expect((await store.devices.claimKey(device.name, device.operationId, claimOf(key, 'over'))).verdict).toBe('limit');
    const rearmed = await store.devices.put(installSettings(device.name), { newOperation: true });
    expect((await store.devices.claimKey(device.name, device.operationId, claimOf(key, 'old-operation'))).verdict).toBe('not-pending');
    expect(await store.devices.claimKey(device.name, rearmed.operationId, claimOf(key, 'new-operation'))).toMatchObject({ verdict: 'claimed', takeover: false });
    expect((await store.devices.get(device.name))?.certificatesIssued).toBe(1);

    // The session's outcome (a write of the copy it read) leaves the claims and the count as they are.
    await store.devices.finishOperation(device.name, rearmed.operationId, { status: 'success' }, rearmed);
    expect((await store.devices.claimKey(device.name, rearmed.operationId, claimOf(key, 'after-end'))).verdict).toBe('not-pending');
    expect((await store.devices.get(device.name))?.certificatesIssued).toBe(1);
    expect(await store.devices.claimKey(randomDeviceName(), rearmed.operationId, claimOf(key, 'nobody'))).toEqual({ verdict: 'not-pending', device: undefined });
  });

  it('refuses a malformed claim before writing', async () => {
    const device = await armed();
    await expect(store.devices.claimKey(device.name, device.operationId, claimOf('ABC', 'r'))).rejects.toBeInstanceOf(ValidationError);
    await expect(store.devices.claimKey(device.name, device.operationId, claimOf(randomSpkiHash(), 'r', { leaseMs: 0 }))).rejects.toBeInstanceOf(ValidationError);
    await expect(store.devices.claimKey(device.name, device.operationId, claimOf(randomSpkiHash(), 'r', { limit: 0 }))).rejects.toBeInstanceOf(ValidationError);
    expect(await store.devices.get(device.name)).toEqual(device);
  });
});
