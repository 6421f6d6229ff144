// The listener on IPv4 and IPv6 at once (issue 2), and F16: with the IPv6 parameter off, IPv6 phones get no session
// and no certificate while IPv4 phones are served; turning it back on needs no restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

let t: TestStack;
let ipv6Port: number;

beforeAll(async () => {
  t = await startTestStack({ hosts: ['127.0.0.1', '::1'] });
  ipv6Port = t.stack.addresses.find((a) => a.family === 'IPv6')?.port as number;
});
afterAll(() => t.close());

describe('dual stack', () => {
  it('enrols a phone over IPv6 (::1) as over IPv4', async () => {
    await t.setDevice({ name: 'SEP00EE00000001' });
    expect((await t.phone('SEP00EE00000001', { host: '::1', port: ipv6Port })).endReason).toBe(1);
    await t.setDevice({ name: 'SEP00EE00000001' });
    expect((await t.phone('SEP00EE00000001')).endReason).toBe(1);
  });

  it('F16: with IPv6 off an IPv6 phone is refused before any CAPF message and its operation stays pending', async () => {
    await t.stack.store.parameters.update({ ipv6Enabled: false });
    // The listener caches parameters for 5 s: poll with a device the store does not know until IPv6 is refused.
    await expect
      .poll(async () => (await t.phone('SEP00EE000000FF', { host: '::1', port: ipv6Port, timeoutMs: 2_000 })).transcript.length, { timeout: 15_000, interval: 500 })
      .toBe(0);
    await t.setDevice({ name: 'SEP00EE00000002' });
    const refused = await t.phone('SEP00EE00000002', { host: '::1', port: ipv6Port, timeoutMs: 2_000 });
    expect(refused).toMatchObject({ sessionId: 0, closedWithoutEnd: true });
    expect(refused.certificatePem).toBeUndefined();
    expect(await t.stack.store.devices.get('SEP00EE00000002')).toMatchObject({ operation: 'install', status: 'pending' });
    expect(t.stack.listener.stats.refusedIpv6).toBeGreaterThan(0);
    expect((await t.phone('SEP00EE00000002')).endReason).toBe(1);

    await t.stack.store.parameters.update({ ipv6Enabled: true });
    await expect
      .poll(async () => (await t.phone('SEP00EE000000FF', { host: '::1', port: ipv6Port, timeoutMs: 2_000 })).endReason, { timeout: 15_000, interval: 500 })
      .toBe(9);
    await t.setDevice({ name: 'SEP00EE00000002' });
    expect((await t.phone('SEP00EE00000002', { host: '::1', port: ipv6Port })).endReason).toBe(1);
  });
});
