// IPv4 and IPv6 CIDR matching (the listener's phone networks), checked against an independent BigInt reference on
// random addresses and prefixes, plus the textual forms people and sockets use.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { cidrContains, inAnyCidr, limiterKey, parseCidr, parseCidrList, parseIpAddress } from '../../../shared/util/cidr.ts';

const toBigInt = (bytes: readonly number[]) => bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
/** The reference: the top `prefix` bits of both numbers agree. */
function referenceContains(network: readonly number[], prefix: number, address: readonly number[]): boolean {
  const bits = BigInt(network.length * 8);
  const shift = bits - BigInt(prefix);
  return toBigInt(network) >> shift === toBigInt(address) >> shift;
}

const ipv4Text = (bytes: readonly number[]) => bytes.join('.');
function ipv6Full(bytes: readonly number[]): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) * 256 + (bytes[i + 1] as number)).toString(16));
  return groups.join(':');
}
/** The shortest form, as Node's URL parser writes it (an independent formatter). */
const ipv6Short = (bytes: readonly number[]) => new URL(`http://[${ipv6Full(bytes)}]/`).hostname.slice(1, -1);

const v4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });
const v6 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 });

describe('CIDR matching', () => {
  it('IPv4: agrees with the reference for any network, prefix and address', () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 0, max: 32 }), v4, (network, prefix, address) => {
        const cidr = parseCidr(`${ipv4Text(network)}/${prefix}`);
        expect(cidrContains(cidr, parseIpAddress(ipv4Text(address))!)).toBe(referenceContains(network, prefix, address));
        expect(cidrContains(cidr, parseIpAddress(ipv4Text(network))!)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('IPv6: agrees with the reference, whichever textual form either side uses', () => {
    fc.assert(
      fc.property(v6, fc.integer({ min: 0, max: 128 }), v6, fc.boolean(), (network, prefix, address, short) => {
        const format = short ? ipv6Short : ipv6Full;
        const cidr = parseCidr(`${format(network)}/${prefix}`);
        const parsed = parseIpAddress(format(address));
        const mapped = address.slice(0, 10).every((b) => b === 0) && address[10] === 0xff && address[11] === 0xff;
        fc.pre(!mapped); // an IPv4-mapped address is matched as IPv4 (below)
        expect(cidrContains(cidr, parsed!)).toBe(referenceContains(network, prefix, address));
      }),
      { numRuns: 2000 },
    );
  });

  it('an address one bit off inside the prefix is out; one bit off past the prefix is in', () => {
    fc.assert(
      fc.property(v6, fc.integer({ min: 1, max: 128 }), fc.nat(), (network, prefix, pick) => {
        const cidr = parseCidr(`${ipv6Full(network)}/${prefix}`);
        const flip = (bit: number) => network.map((byte, i) => (i === bit >> 3 ? byte ^ (0x80 >> (bit & 7)) : byte));
        expect(cidrContains(cidr, { family: 6, bytes: Uint8Array.from(flip(pick % prefix)) })).toBe(false);
        if (prefix < 128) expect(cidrContains(cidr, { family: 6, bytes: Uint8Array.from(flip(prefix + (pick % (128 - prefix)))) })).toBe(true);
      }),
    );
  });

  it('matches IPv4-mapped IPv6 addresses as IPv4, never across families otherwise', () => {
    const networks = parseCidrList('10.0.0.0/8, 2001:db8::/32');
    expect(inAnyCidr(networks, '10.20.30.40')).toBe(true);
    expect(inAnyCidr(networks, '::ffff:10.20.30.40')).toBe(true);
    expect(inAnyCidr(networks, '11.0.0.1')).toBe(false);
    expect(inAnyCidr(networks, '2001:db8:5::1')).toBe(true);
    expect(inAnyCidr(networks, 'fe80::1%eth0')).toBe(false);
    expect(inAnyCidr(parseCidrList(['fe80::/10']), 'fe80::1%eth0')).toBe(true);
    expect(inAnyCidr(parseCidrList(['0.0.0.0/0']), '2001:db8::1')).toBe(false);
    expect(inAnyCidr(parseCidrList(['::/0']), '2001:db8::1')).toBe(true);
    expect(inAnyCidr(networks, 'not an address')).toBe(false);
    expect(inAnyCidr(parseCidrList(['192.0.2.7']), '192.0.2.7')).toBe(true); // a bare address is a /32
  });

  it('refuses malformed blocks with a clear error', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0/8', '10.0.0.256/8', '010.0.0.0/8', '2001:db8::/129', '1::2::3/64', '1:2:3:4:5:6:7:8:9/64', ':::/0', '10.0.0.0/8/1', '10.0.0.0/', 'x'.repeat(100), '']) {
      expect(() => parseCidr(bad), bad).toThrow(ValidationError);
    }
    expect(() => parseCidrList('10.0.0.0/8 bogus')).toThrow(/"bogus" is not an IPv4 CIDR block/);
    expect(parseCidrList(' 10.0.0.0/8,192.168.0.0/16  ')).toHaveLength(2);
    expect(parseCidrList('')).toEqual([]);
  });

  it('keys IPv4 peers by address and IPv6 peers by their /64', () => {
    expect(limiterKey('198.51.100.7')).toBe('198.51.100.7');
    expect(limiterKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(limiterKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(limiterKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(limiterKey('2001:db8:1:3::1')).not.toBe(limiterKey('2001:db8:1:2::1'));
  });
});
