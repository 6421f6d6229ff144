// Issue 10 item 1 over real TLS on loopback: at most N failed authentications per minute from one peer address (any
// device), then that address is refused at accept (before TLS) for a cool-down; phone networks get their own, larger
// budget; behind the load balancer the address counted is the one the PROXY v2 header names. Small limits and a
// one-second cool-down come from the service parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyAddress } from '../../shared/protocol/proxy-header.ts';
import { startProxyRelay, type ProxyRelay } from '../support/proxy-relay.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const RIGHT = '55831';
const wrong = { auth: { mode: 'password' as const, password: '00000' } };
const right = { auth: { mode: 'password' as const, password: RIGHT } };
let plain: TestStack; // no phone networks: 3 failures a minute per address
let site: TestStack; // 127.0.0.0/8 is a phone network: 2 a minute elsewhere, 4 inside
let behind: TestStack; // behind a PROXY v2 load balancer stand-in
const relays: ProxyRelay[] = [];
let devices = 0;

beforeAll(async () => {
  [plain, site, behind] = await Promise.all([
    startTestStack({ parametersCacheMs: 0 }),
    startTestStack({ parametersCacheMs: 0, phoneNetworks: ['10.0.0.0/8', '127.0.0.0/8', '2001:db8::/32'] }),
    startTestStack({ parametersCacheMs: 0, proxyProtocol: 'v2' }),
  ]);
  await plain.stack.store.parameters.update({ addressFailureLimit: 3, addressCooldownSeconds: 1 });
  await site.stack.store.parameters.update({ addressFailureLimit: 2, phoneNetworkFailureLimit: 4, addressCooldownSeconds: 1 });
  await behind.stack.store.parameters.update({ addressFailureLimit: 2, addressCooldownSeconds: 60 });
});
afterAll(async () => {
  await Promise.all(relays.map((relay) => relay.close()));
  await Promise.all([plain, site, behind].map((t) => t.close()));
});

async function armed(t: TestStack): Promise<string> {
  const name = `SEP00CC0000${(devices++).toString(16).toUpperCase().padStart(4, '0')}`;
  await t.setDevice({ name, authMode: 'auth-string', authString: RIGHT });
  return name;
}

const refusals = (t: TestStack) => t.logger.entries.filter((e) => e.message === 'address refused: too many failed authentications');

describe('per-address limit on failed authentications', () => {
  it('refuses the address at accept after the limit (any device), logs once per cool-down, and accepts it again after', async () => {
    for (let i = 0; i < 3; i++) expect((await plain.phone(await armed(plain), wrong)).endReason).toBe(7);
    const device = await armed(plain);
    const refused = await plain.phone(device, right);
    expect(refused.endReason).toBeUndefined();
    expect(refused.error).toBeDefined();
    expect((await plain.phone(device, right)).endReason).toBeUndefined();
    expect(plain.stack.listener.stats.refusedAddress).toBe(2);
    const lines = refusals(plain);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.attributes).toMatchObject({ peer: '127.0.0.1', failures: 3, limitPerMinute: 3, phoneNetwork: false });
    expect(JSON.stringify(plain.logger.entries)).not.toContain(RIGHT);
    // No session reached the store while refused: the device is untouched.
    expect(await plain.stack.store.devices.get(device)).toMatchObject({ status: 'pending', version: 1 });

    // After the cool-down the address is accepted again and the right string installs.
    let after = await plain.phone(device, right);
    for (let tries = 0; after.endReason === undefined && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await plain.phone(device, right);
    }
    expect(after.endReason, after.error).toBe(1);
    expect(refusals(plain)).toHaveLength(1);
  });

  it('gives an address inside the phone networks its own, larger budget', async () => {
    for (let i = 0; i < 3; i++) expect((await site.phone(await armed(site), wrong)).endReason).toBe(7); // past the plain limit of 2
    expect(refusals(site)).toHaveLength(0);
    expect((await site.phone(await armed(site), wrong)).endReason).toBe(7); // the 4th reaches the phone-network budget
    expect((await site.phone(await armed(site), right)).endReason).toBeUndefined();
    expect(refusals(site)[0]?.attributes).toMatchObject({ peer: '127.0.0.1', failures: 4, limitPerMinute: 4, phoneNetwork: true });
  });

  it('behind the load balancer counts the address of the PROXY header: the refused phone, not its neighbours', async () => {
    const attacker: ProxyAddress = { address: '198.51.100.66', port: 40_100, family: 'IPv4' };
    const relay = await startProxyRelay({ host: '127.0.0.1', port: behind.port }, attacker);
    relays.push(relay);
    for (let i = 0; i < 2; i++) expect((await behind.phone(await armed(behind), { ...wrong, port: relay.port })).endReason).toBe(7);
    expect((await behind.phone(await armed(behind), { ...right, port: relay.port })).endReason).toBeUndefined();
    expect(refusals(behind)[0]?.attributes).toMatchObject({ peer: attacker.address, failures: 2 });

    // Another phone through the same load balancer is accepted; so is an IPv6 one, which counts by its /64.
    relay.source = { address: '198.51.100.67', port: 40_101, family: 'IPv4' };
    expect((await behind.phone(await armed(behind), { ...right, port: relay.port })).endReason).toBe(1);
    relay.source = { address: '2001:db8:77:1::5', port: 40_102, family: 'IPv6' };
    for (let i = 0; i < 2; i++) expect((await behind.phone(await armed(behind), { ...wrong, port: relay.port })).endReason).toBe(7);
    relay.source = { address: '2001:db8:77:1::99', port: 40_103, family: 'IPv6' }; // same /64: refused too
    expect((await behind.phone(await armed(behind), { ...right, port: relay.port })).endReason).toBeUndefined();
    relay.source = { address: '2001:db8:77:2::5', port: 40_104, family: 'IPv6' }; // the next /64: accepted
    expect((await behind.phone(await armed(behind), { ...right, port: relay.port })).endReason).toBe(1);
    expect(refusals(behind)[1]?.attributes).toMatchObject({ peer: '2001:db8:77:1::5', counted: '2001:db8:77:1::/64' });
  });
});
