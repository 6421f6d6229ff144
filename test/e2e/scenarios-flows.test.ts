// docs/protocol.md §10 over real TLS on loopback: fetch, delete, none, framing and transport rows (11–13, 15, 16,
// 21–24), the operation deadline, and a consistent store after a phone that goes silent or drops mid-session.
import { X509Certificate } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLS_FAILURE, problemsSince } from '../support/hostile-log.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t.close());

async function install(name: string) {
  await t.setDevice({ name, operation: 'install' });
  const result = await t.phone(name);
  expect(result.endReason).toBe(1);
  return result;
}

describe('§10 fetch, delete, none, unknown', () => {
  it('11: fetch returns the phone certificate (END 0, stored); a phone without one answers 7 (END 0, operation stays)', async () => {
    const installed = await install('SEP000000000011');
    await t.setDevice({ name: 'SEP000000000011', operation: 'fetch' });
    const fetched = await t.phone('SEP000000000011', { lscPem: installed.certificatePem });
    expect(fetched).toMatchObject({ endReason: 0, operation: 'fetch', fetchedAnswered: true });
    const device = await t.stack.store.devices.get('SEP000000000011');
    expect(device).toMatchObject({ operation: 'none', status: 'success' });
    expect(device?.fetched?.certificate.serialHex).toBe(new X509Certificate(installed.certificatePem as string).serialNumber.toLowerCase().replace(/^0+/, ''));

    await t.setDevice({ name: 'SEP000000000011', operation: 'fetch' });
    expect((await t.phone('SEP000000000011')).endReason).toBe(0);
    expect(await t.stack.store.devices.get('SEP000000000011')).toMatchObject({ operation: 'fetch', status: 'failed' });
  });

  it('12: delete answered 1: END 1 and the LSC is cleared', async () => {
    const installed = await install('SEP000000000012');
    await t.setDevice({ name: 'SEP000000000012', operation: 'delete' });
    expect((await t.phone('SEP000000000012', { lscPem: installed.certificatePem })).endReason).toBe(1);
    const device = await t.stack.store.devices.get('SEP000000000012');
    expect(device).toMatchObject({ operation: 'none', status: 'success' });
    expect(device?.lsc).toBeUndefined();
  });

  it('13: operation none: END 0; device not in the store: END 9', async () => {
    await t.setDevice({ name: 'SEP000000000013', operation: 'none' });
    expect(await t.phone('SEP000000000013')).toMatchObject({ endReason: 0, operation: 'none' });
    expect((await t.phone('SEP0000000000FF')).endReason).toBe(9);
  });

  it('an operation whose deadline has passed is not carried out and its status says so', async () => {
    await t.stack.store.devices.put(
      { name: 'SEP00000000DEAD', operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256', completesBy: new Date(Date.now() - 60_000).toISOString() },
      { newOperation: true },
    );
    const result = await t.phone('SEP00000000DEAD');
    expect(result.endReason).toBe(0);
    expect(result.certificatePem).toBeUndefined();
    const device = await t.stack.store.devices.get('SEP00000000DEAD');
    expect(device).toMatchObject({ operation: 'none', status: 'failed' });
    expect(device?.statusReason).toBe(`operation expired at ${device?.completesBy}: not carried out (re-arm it with a new deadline)`);
    expect(result.endInfo).toBe(`operation install expired at ${device?.completesBy}`);
  });
});

describe('§10 framing and transport', () => {
  it('15: a wrong session id in a reply: END 7', async () => {
    await t.setDevice({ name: 'SEP000000000015' });
    expect((await t.phone('SEP000000000015', { misbehave: { wrongSessionId: true } })).endReason).toBe(7);
  });

  it('16 ★: the 8-byte header split across two writes, and a phone trickling single bytes, both succeed', async () => {
    await t.setDevice({ name: 'SEP000000000016' });
    expect((await t.phone('SEP000000000016', { misbehave: { splitHeader: true } })).endReason).toBe(1);
    await t.setDevice({ name: 'SEP000000000016', operation: 'install' });
    expect((await t.phone('SEP000000000016', { misbehave: { trickle: true } })).endReason).toBe(1);
  });

  it('22 ★: a TCP client that never starts TLS does not delay a phone; it is closed after the handshake timeout', async () => {
    // The device first: the raw client's handshake timeout (1.5 s) then covers only the phone's session.
    await t.setDevice({ name: 'SEP000000000022' });
    const from = t.logger.entries.length;
    const raw = connectTcp({ host: '127.0.0.1', port: t.port });
    const rawClosed = new Promise<void>((resolve) => {
      raw.on('close', () => resolve());
      raw.on('error', () => undefined);
    });
    await new Promise((r) => raw.once('connect', r));
    const result = await t.phone('SEP000000000022');
    expect(result.endReason).toBe(1);
    expect(raw.destroyed).toBe(false); // still waiting for its handshake while the phone was served
    await rawClosed;
    // Closed by the handshake timeout, and by nothing else: the listener's one TLS failure since `from` says so.
    const tlsFailures = problemsSince(t.logger, from).filter((entry) => entry.message === TLS_FAILURE);
    expect(tlsFailures.map((entry) => entry.attributes.reason)).toEqual(['TLS handshake timeout']);
  });

  it('23 ★: a phone silent after AUTH_REQUEST is ended by the read timeout with END 7', async () => {
    await t.setDevice({ name: 'SEP000000000023' });
    const result = await t.phone('SEP000000000023', { misbehave: { silentAfter: 'auth-request' } });
    expect(result.endReason).toBe(7);
  });
});

describe('F15: no device stuck in progress, and a retry completes', () => {
  it.each(['keygen-request', 'store-request'] as const)('a phone silent after %s leaves the operation pending with a failed status', async (step) => {
    const name = step === 'keygen-request' ? 'SEP0000000000A1' : 'SEP0000000000A2';
    await t.setDevice({ name });
    await t.phone(name, { misbehave: { silentAfter: step } });
    const device = await t.stack.store.devices.get(name);
    expect(device).toMatchObject({ operation: 'install', status: 'failed' });
    expect(device?.lsc).toBeUndefined();
    expect((await t.phone(name)).endReason).toBe(1);
    expect(await t.stack.store.devices.get(name)).toMatchObject({ operation: 'none', status: 'success' });
  });

  it.each(['keygen-request', 'store-request'] as const)('a phone that drops after %s can retry and complete', async (step) => {
    const name = step === 'keygen-request' ? 'SEP0000000000B1' : 'SEP0000000000B2';
    await t.setDevice({ name });
    const dropped = await t.phone(name, { misbehave: { dropAfter: step } });
    expect(dropped.endReason).toBeUndefined();
    await expect.poll(async () => (await t.stack.store.devices.get(name))?.status).toBe('failed');
    expect((await t.phone(name)).endReason).toBe(1);
  });
});

describe('§10 rows 21 and 24: TLS version and concurrency limit', () => {
  it('21 ★: a TLS 1.0 phone is refused by default and served when TLS 1.0 is enabled', async () => {
    await t.setDevice({ name: 'SEP000000000021' });
    const refused = await t.phone('SEP000000000021', { minVersion: 'TLSv1', maxVersion: 'TLSv1' });
    expect(refused.sessionId).toBe(0);
    expect(refused.error).toBeDefined();
    const legacy = await startTestStack({ minTlsVersion: 'TLSv1' });
    try {
      await legacy.setDevice({ name: 'SEP000000000021' });
      const result = await legacy.phone('SEP000000000021', { minVersion: 'TLSv1', maxVersion: 'TLSv1' });
      expect(result).toMatchObject({ endReason: 1, tlsProtocol: 'TLSv1' });
    } finally {
      await legacy.close();
    }
  });

  it('24: over the concurrency limit, TLS completes and the socket closes with no CAPF message', async () => {
    const limited = await startTestStack({ maxSessions: 1 });
    try {
      await limited.setDevice({ name: 'SEP000000000024' });
      const holder = limited.phone('SEP000000000024', { misbehave: { silentAfter: 'auth-request' } });
      await expect.poll(() => limited.stack.listener.stats.active).toBe(1);
      const refused = await limited.phone('SEP000000000024');
      expect(refused.closedWithoutEnd).toBe(true);
      expect(refused.transcript).toEqual([]);
      expect(limited.stack.listener.stats.refusedOverLimit).toBe(1);
      await holder;
    } finally {
      await limited.close();
    }
  });
});
