// Issue 10 item 5: the phone's real address behind the NLB. With CAPF_PROXY_PROTOCOL=v2 every connection must start
// with a PROXY v2 header, whose source is the peer the logs show and the IPv6 parameter judges; without the setting a
// connection that starts with a PROXY header is refused (by the TLS handshake: the default path reads nothing before
// TLS). Real TLS on loopback, through a load-balancer stand-in.
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeProxyV2Header, type ProxyAddress } from '../../shared/protocol/proxy-header.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';
import { startProxyRelay, type ProxyRelay } from '../support/proxy-relay.ts';
import { RawSession, closedWithin, openTcp } from '../support/hostile-clients.ts';

const PHONE_V4: ProxyAddress = { address: '198.51.100.23', port: 40_001, family: 'IPv4' };
const PHONE_V6: ProxyAddress = { address: '2001:db8:42::7', port: 40_002, family: 'IPv6' };
const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

let behind: TestStack; // CAPF_PROXY_PROTOCOL=v2, IPv6 parameter on
let ipv6Off: TestStack; // CAPF_PROXY_PROTOCOL=v2, IPv6 parameter off
let direct: TestStack; // no load balancer: the default
const relays: ProxyRelay[] = [];
let devices = 0;

beforeAll(async () => {
  [behind, ipv6Off, direct] = await Promise.all([startTestStack({ proxyProtocol: 'v2' }), startTestStack({ proxyProtocol: 'v2' }), startTestStack()]);
  await ipv6Off.stack.store.parameters.update({ ipv6Enabled: false });
});
afterAll(async () => {
  await Promise.all(relays.map((relay) => relay.close()));
  await Promise.all([behind, ipv6Off, direct].map((t) => t.close()));
});

async function relayTo(t: TestStack, source: ProxyAddress, options: { separateHeader?: boolean } = {}): Promise<ProxyRelay> {
  const relay = await startProxyRelay({ host: '127.0.0.1', port: t.port }, source, options);
  relays.push(relay);
  return relay;
}

async function armedDevice(t: TestStack): Promise<string> {
  const name = `SEP00AB0000${(devices++).toString(16).toUpperCase().padStart(4, '0')}`;
  await t.setDevice({ name, keyOrder: 'ec' });
  return name;
}

function entriesOf(t: TestStack, sessionId: number) {
  return t.logger.entries.filter((entry) => entry.attributes.sessionId === sessionId);
}

describe('behind a load balancer sending PROXY v2', () => {
  it('IPv4: the header and the ClientHello in one segment; the phone enrols and every log line names its address', async () => {
    const relay = await relayTo(behind, PHONE_V4);
    const name = await armedDevice(behind);
    const result = await behind.phone(name, { port: relay.port });
    expect(result.endReason, result.error).toBe(1);
    expect(await behind.stack.store.devices.get(name)).toMatchObject({ status: 'success', operation: 'none' });
    const lines = entriesOf(behind, result.sessionId);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.attributes.peer).toBe(PHONE_V4.address);
  });

  it('the header alone in its own segment before the ClientHello works the same', async () => {
    const relay = await relayTo(behind, { ...PHONE_V4, address: '198.51.100.24' }, { separateHeader: true });
    const name = await armedDevice(behind);
    const result = await behind.phone(name, { port: relay.port });
    expect(result.endReason, result.error).toBe(1);
    expect(entriesOf(behind, result.sessionId).map((line) => line.attributes.peer)).toContain('198.51.100.24');
  });

  it('a header trickled one byte at a time (within the handshake timeout) is read whole, then TLS and CAPF follow', async () => {
    const tcp = await openTcp({ host: '127.0.0.1', port: behind.port });
    const header = encodeProxyV2Header({ ...PHONE_V4, address: '198.51.100.25' });
    for (const byte of header) {
      tcp.write(Uint8Array.of(byte));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const session = await RawSession.start({ host: '127.0.0.1', port: behind.port, caPem: behind.caPem }, { socket: tcp });
    expect(session.sessionId).toBeGreaterThan(0);
    session.close();
  });

  it('IPv6: an IPv6 source over an IPv4 loopback connection is that IPv6 phone', async () => {
    const relay = await relayTo(behind, PHONE_V6);
    const name = await armedDevice(behind);
    const result = await behind.phone(name, { port: relay.port });
    expect(result.endReason, result.error).toBe(1);
    for (const line of entriesOf(behind, result.sessionId)) expect(line.attributes.peer).toBe(PHONE_V6.address);
  });

  it('with the IPv6 parameter off, an IPv6 source is refused although the hop is IPv4; an IPv4 source is served', async () => {
    const v6 = await relayTo(ipv6Off, PHONE_V6);
    const v4 = await relayTo(ipv6Off, PHONE_V4);
    const name = await armedDevice(ipv6Off);
    const refused = await ipv6Off.phone(name, { port: v6.port, timeoutMs: 3_000 });
    expect(refused).toMatchObject({ sessionId: 0, closedWithoutEnd: true });
    expect(refused.certificatePem).toBeUndefined();
    expect(ipv6Off.stack.listener.stats.refusedIpv6).toBe(1);
    expect(ipv6Off.logger.entries.find((e) => e.message === 'ipv6 peer refused: the IPv6 parameter is off')?.attributes).toMatchObject({ peer: PHONE_V6.address });
    expect(await ipv6Off.stack.store.devices.get(name)).toMatchObject({ operation: 'install', status: 'pending' });
    expect((await ipv6Off.phone(name, { port: v4.port })).endReason).toBe(1);
  });

  it('a client that bypasses the load balancer (no header) is dropped before TLS and logged as PROXY_MISSING', async () => {
    const refusedBefore = behind.stack.listener.stats.refusedProxyHeader;
    const name = await armedDevice(behind);
    const result = await behind.phone(name, { timeoutMs: 3_000 });
    expect(result.sessionId).toBe(0);
    expect(result.error).toMatch(/TLS|closed|socket/i);
    expect(behind.stack.listener.stats.refusedProxyHeader).toBe(refusedBefore + 1);
    expect(behind.logger.entries.filter((e) => e.message === 'proxy header refused').at(-1)?.attributes).toMatchObject({ code: 'PROXY_MISSING', peer: '127.0.0.1' });
    expect(await behind.stack.store.devices.get(name)).toMatchObject({ status: 'pending' });
  });

  it.each([
    { what: 'a v1 text header', bytes: Buffer.from('PROXY TCP4 198.51.100.1 203.0.113.10 40000 3804\r\n'), code: 'PROXY_VERSION' },
    { what: 'version 1 in a binary header', bytes: Buffer.concat([SIGNATURE, Buffer.from('1111000c', 'hex'), Buffer.alloc(12)]), code: 'PROXY_VERSION' },
    { what: 'an AF_UNIX header', bytes: Buffer.concat([SIGNATURE, Buffer.from('213100d8', 'hex'), Buffer.alloc(216)]), code: 'PROXY_FAMILY' },
    { what: 'a block longer than the bound', bytes: Buffer.concat([SIGNATURE, Buffer.from('2111ffff', 'hex'), Buffer.alloc(64)]), code: 'PROXY_LENGTH' },
    { what: 'a header cut short, then silence', bytes: encodeProxyV2Header(PHONE_V4).subarray(0, 20), code: 'PROXY_TIMEOUT' },
  ])('malformed: $what is dropped before TLS with $code', async ({ bytes, code }) => {
    const from = behind.logger.entries.length;
    const tcp = await openTcp({ host: '127.0.0.1', port: behind.port });
    tcp.write(bytes);
    expect(await closedWithin(tcp, 5_000)).toBe(true);
    const refused = behind.logger.entries.slice(from).filter((e) => e.message === 'proxy header refused');
    expect(refused.map((e) => e.attributes.code)).toEqual([code]);
    expect(behind.logger.entries.slice(from).some((e) => typeof e.attributes.sessionId === 'number')).toBe(false);
  });
});

describe('without the setting (no load balancer in front)', () => {
  it('a connection that starts with a PROXY v2 or v1 header is refused by the TLS handshake, logged with the hint; phones are served', async () => {
    const from = direct.logger.entries.length;
    const tlsFailures = direct.stack.listener.stats.tlsFailures;
    const attempts = [Buffer.concat([encodeProxyV2Header(PHONE_V4), Buffer.from([0x16, 0x03, 0x01])]), Buffer.from('PROXY TCP4 198.51.100.1 203.0.113.10 40000 3804\r\n')];
    const closed = await Promise.all(
      attempts.map(async (bytes) => {
        const tcp = await openTcp({ host: '127.0.0.1', port: direct.port });
        tcp.write(bytes);
        return closedWithin(tcp, 5_000);
      }),
    );
    expect(closed).toEqual([true, true]);
    const refused = direct.logger.entries.slice(from).filter((e) => e.message === 'tls handshake failed');
    expect(refused).toHaveLength(2);
    for (const entry of refused) {
      expect(entry.attributes.peer).toBe('127.0.0.1');
      expect(entry.attributes.reason).toMatch(/wrong version number.*did not start with TLS.*CAPF_PROXY_PROTOCOL=v2/);
    }
    expect(direct.stack.listener.stats.tlsFailures - tlsFailures).toBe(2);
    expect(direct.stack.listener.stats.refusedProxyHeader).toBe(0);
    expect(direct.logger.entries.slice(from).some((e) => typeof e.attributes.sessionId === 'number')).toBe(false);

    const name = await armedDevice(direct);
    const result = await direct.phone(name);
    expect(result.endReason, result.error).toBe(1);
    for (const line of entriesOf(direct, result.sessionId)) expect(line.attributes.peer).toBe('127.0.0.1');
  });

  it('TLS itself is unchanged: a plain client completes the handshake', async () => {
    const socket = connectTls({ host: '127.0.0.1', port: direct.port, ca: direct.caPem, checkServerIdentity: () => undefined });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    expect(socket.authorized).toBe(true);
    socket.destroy();
  });
});
