// Hostile clients against a real listener on loopback, each while a well-behaved phone enrols: connection floods,
// slowloris (TLS and CAPF bytes trickled one at a time), declared lengths over the bound, garbage before and after
// TLS, and TLS renegotiation. The phone completes within its own per-message timeout, every bad client ends, and
// each is logged exactly once with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Opcode, Reason, element, encodeMessage } from '../../shared/protocol/index.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';
import { RawSession, clientHello, closedWithin, openTcp, pool, type Endpoint } from '../support/hostile-clients.ts';
import { TLS_FAILURE, expectEachLoggedOnce, problemsSince } from '../support/hostile-log.ts';

/** A phone's latency target: every wait for the server (TLS handshake included) ends within it, or the phone fails. */
const PHONE_TARGET_MS = 10_000;
const MESSAGE_TIMEOUT_MS = 1_000;

let t: TestStack;
let endpoint: Endpoint;
let phones = 0;

beforeAll(async () => {
  t = await startTestStack({ messageTimeoutMs: MESSAGE_TIMEOUT_MS, handshakeTimeoutMs: MESSAGE_TIMEOUT_MS });
  endpoint = { host: '127.0.0.1', port: t.port, caPem: t.caPem };
});
afterAll(() => t.close());

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Runs the hostile `load` while a phone enrols; the phone must complete, then every bad connection must be over. */
async function whilePhoneEnrols<T>(load: () => Promise<T>): Promise<{ load: T; phoneSessionId: number }> {
  const name = `SEP00000000D${(phones++).toString(16).toUpperCase().padStart(3, '0')}`;
  await t.setDevice({ name, keyOrder: 'ec' });
  const [result, phone] = await Promise.all([load(), wait(20).then(() => t.phone(name, { timeoutMs: PHONE_TARGET_MS }))]);
  expect(phone.endReason, phone.error).toBe(Reason.UpdateCertificate);
  expect(await t.stack.store.devices.get(name)).toMatchObject({ status: 'success', operation: 'none' });
  await expect.poll(() => t.stack.listener.stats.active, { timeout: 5_000 }).toBe(0);
  return { load: result, phoneSessionId: phone.sessionId };
}

function authResponse(sessionId: number): Buffer {
  return encodeMessage(Opcode.AuthResponse, sessionId, [element.reason(1), element.version(3), element.deviceName('SEP00000000DFFF'), element.password('')]);
}

describe('floods', () => {
  it('300 connections opened and dropped (half plain TCP, half after the TLS handshake)', async () => {
    const from = t.logger.entries.length;
    const tlsFailures = t.stack.listener.stats.tlsFailures;
    const { load } = await whilePhoneEnrols(() =>
      pool(range(300), 50, async (i) => {
        if (i % 2 === 0) {
          (await openTcp(endpoint)).destroy();
          return 'tcp';
        }
        const session = await RawSession.start(endpoint);
        session.socket.destroy();
        return session.sessionId;
      }),
    );
    await expect.poll(() => t.stack.listener.stats.tlsFailures - tlsFailures, { timeout: 5_000 }).toBe(150);
    const bySession = expectEachLoggedOnce(t.logger, from, { tlsClients: 150, sessions: 150 });
    expect([...bySession.keys()].sort()).toEqual(load.filter((id): id is number => typeof id === 'number').sort());
    for (const [entry] of bySession.values()) expect(entry?.attributes.code).toMatch(/^(PEER_CLOSED|CONNECTION_FAILED)$/);
  });
});

describe('slowloris', () => {
  it('bytes trickled one at a time: the handshake timeout ends a slow ClientHello, the message timeout a slow AUTH_RESPONSE', async () => {
    const hello = await clientHello();
    const from = t.logger.entries.length;
    const { load } = await whilePhoneEnrols(() =>
      Promise.all([
        ...range(10).map(async () => {
          const session = await RawSession.start(endpoint);
          const frame = authResponse(session.sessionId);
          const sent = await session.trickle(frame, 100);
          return { sent, of: frame.length, ...(await session.outcome(PHONE_TARGET_MS)) };
        }),
        ...range(10).map(async () => {
          const socket = await openTcp(endpoint);
          let sent = 0;
          for (const byte of hello) {
            if (socket.destroyed) break;
            socket.write(Uint8Array.of(byte));
            sent += 1;
            await wait(100);
          }
          return { sent, of: hello.length, closedByServer: await closedWithin(socket, 100), endReason: undefined };
        }),
      ]),
    );
    for (const client of load) {
      // Ended long before the last byte: the timers run from the start of the message, not from the last byte.
      expect(client.sent).toBeLessThan(client.of);
      expect(client.closedByServer).toBe(true);
    }
    expect(load.slice(0, 10).map((client) => client.endReason)).toEqual(range(10).map(() => Reason.InvalidElement));
    const bySession = expectEachLoggedOnce(t.logger, from, { tlsClients: 10, sessions: 10 });
    for (const [entry] of bySession.values()) expect(entry?.attributes.code).toBe('TIMEOUT');
    expect(problemsSince(t.logger, from).filter((e) => e.message === TLS_FAILURE).map((e) => e.attributes.reason)).toEqual(range(10).map(() => 'TLS handshake timeout'));
  });
});

describe('lengths over the bound', () => {
  it.each([0xffff, 16_385])('a header declaring %i body bytes ends the session at once, before any body is sent', async (declared) => {
    const from = t.logger.entries.length;
    const { load } = await whilePhoneEnrols(async () => {
      const session = await RawSession.start(endpoint);
      const header = Buffer.alloc(8);
      header.writeUInt8(0x55, 0);
      header.writeUInt8(Opcode.AuthResponse, 1);
      header.writeUInt32BE(session.sessionId, 2);
      header.writeUInt16BE(declared, 6);
      await session.write(header);
      return session.outcome(PHONE_TARGET_MS);
    });
    expect(load).toMatchObject({ endReason: Reason.InvalidElement, closedByServer: true });
    const [entries] = expectEachLoggedOnce(t.logger, from, { tlsClients: 0, sessions: 1 }).values();
    expect(entries?.[0]?.attributes).toMatchObject({ code: 'FRAME_TOO_LARGE', reason: expect.stringContaining(String(declared)) });
  });
});

describe('garbage before and after TLS', () => {
  it('bytes that are not a ClientHello: the connection is closed, each logged once', async () => {
    const garbage = [Buffer.from('GET / HTTP/1.1\r\nHost: capf\r\n\r\n'), Buffer.alloc(64, 0), Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3]), Buffer.from([0x55, 2, 0, 0, 0, 1, 0, 0])];
    const from = t.logger.entries.length;
    const { load } = await whilePhoneEnrols(() =>
      Promise.all(
        garbage.map(async (bytes) => {
          const socket = await openTcp(endpoint);
          socket.write(bytes);
          return closedWithin(socket, PHONE_TARGET_MS);
        }),
      ),
    );
    expect(load).toEqual(garbage.map(() => true));
    expectEachLoggedOnce(t.logger, from, { tlsClients: garbage.length, sessions: 0 });
  });

  it('plain bytes on the TCP socket after the handshake: the session ends, logged once as a broken connection', async () => {
    const from = t.logger.entries.length;
    const { load } = await whilePhoneEnrols(async () => {
      const tcp = await openTcp(endpoint);
      const session = await RawSession.start(endpoint, { socket: tcp });
      tcp.write(Buffer.from('not a TLS record, just bytes'));
      return { sessionId: session.sessionId, closed: await closedWithin(session.socket, PHONE_TARGET_MS) };
    });
    expect(load.closed).toBe(true);
    const bySession = expectEachLoggedOnce(t.logger, from, { tlsClients: 0, sessions: 1 });
    expect(bySession.get(load.sessionId)?.[0]?.attributes.code).toBe('CONNECTION_FAILED');
  });

  it('garbage after END_SESSION (inside TLS, then on the TCP socket after close_notify) adds nothing to the log', async () => {
    await t.setDevice({ name: 'SEP00000000DEEE', operation: 'none' });
    const from = t.logger.entries.length;
    const { load } = await whilePhoneEnrols(async () => {
      const tcp = await openTcp(endpoint);
      const session = await RawSession.start(endpoint, { socket: tcp });
      await session.write(encodeMessage(Opcode.AuthResponse, session.sessionId, [element.reason(1), element.version(3), element.deviceName('SEP00000000DEEE')]));
      const end = await session.next(PHONE_TARGET_MS);
      await session.write(Buffer.alloc(100, 0xaa));
      session.socket.end();
      await wait(50);
      tcp.write(Buffer.from('trailing bytes after close_notify'));
      return { end: end?.opcode, closed: await closedWithin(tcp, PHONE_TARGET_MS) };
    });
    expect(load).toEqual({ end: Opcode.EndSession, closed: true });
    expect(problemsSince(t.logger, from)).toEqual([]);
  });
});

describe('TLS renegotiation', () => {
  it('a TLS 1.2 client asking to renegotiate is refused: the connection ends, logged once', async () => {
    const from = t.logger.entries.length;
    const { load } = await whilePhoneEnrols(async () => {
      const session = await RawSession.start(endpoint, { maxVersion: 'TLSv1.2' });
      const renegotiated = new Promise<string>((resolve) => {
        if (!session.socket.renegotiate({}, (error) => resolve(error ? 'refused' : 'renegotiated'))) resolve('refused');
        session.socket.once('close', () => resolve('closed'));
      });
      return { sessionId: session.sessionId, protocol: session.socket.getProtocol(), result: await renegotiated, closed: await closedWithin(session.socket, PHONE_TARGET_MS) };
    });
    expect(load).toMatchObject({ protocol: 'TLSv1.2', closed: true });
    expect(load.result).not.toBe('renegotiated');
    const bySession = expectEachLoggedOnce(t.logger, from, { tlsClients: 0, sessions: 1 });
    expect(bySession.get(load.sessionId)?.[0]?.attributes.reason).toMatch(/alert|renegotiat/i);
  });
});

describe('unbounded echo (issue 10 item 7)', () => {
  it('a ~16 KiB invalid device name and 5,000 unknown elements reach the log escaped and short', async () => {
    const from = t.logger.entries.length;
    const hugeName = `${'A'.repeat(15_990)}"\\evil\\`; // printable, so the element is read; invalid by its length
    const { load } = await whilePhoneEnrols(async () => {
      const named = await RawSession.start(endpoint);
      await named.write(encodeMessage(Opcode.AuthResponse, named.sessionId, [element.reason(1), element.version(3), element.deviceName(hugeName)]));
      const tagged = await RawSession.start(endpoint);
      const unknown = Array.from({ length: 5_000 }, () => ({ tag: 200, value: new Uint8Array(0) }));
      await tagged.write(encodeMessage(Opcode.AuthResponse, tagged.sessionId, [element.reason(1), element.version(3), element.deviceName(hugeName.slice(0, 300)), ...unknown]));
      return { named: { id: named.sessionId, ...(await named.outcome(PHONE_TARGET_MS)) }, tagged: { id: tagged.sessionId, ...(await tagged.outcome(PHONE_TARGET_MS)) } };
    });
    expect(load.named.endReason).toBe(Reason.InvalidElement);
    const lines = t.logger.entries.slice(from).filter((entry) => entry.attributes.sessionId === load.named.id || entry.attributes.sessionId === load.tagged.id);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(JSON.stringify(line).length, line.message).toBeLessThan(600);

    const failed = lines.find((entry) => entry.attributes.sessionId === load.named.id && entry.message === 'session-failed');
    expect(failed?.attributes).toMatchObject({ code: 'BAD_DEVICE_NAME', reason: `device name "${'A'.repeat(64)}…(${hugeName.length} chars)" is not valid` });
    const skipped = lines.find((entry) => entry.message === 'unknown-tags-skipped');
    expect(skipped?.attributes.tags).toBe(`${Array.from({ length: 16 }, () => 200).join(',')},…(5000 in all)`);
    expect(skipped?.attributes.device).toBe(`${'A'.repeat(64)}…(300 chars)`);
  });
});
