// IPv4 and IPv6 addresses and CIDR blocks, parsed by hand into bytes and matched bit by bit: the listener's phone
// networks (a site's NAT address gets a larger failure budget) and the per-address limiter's keys. Pure: no DNS, no
// sockets. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is matched as the IPv4 address it carries.
import { ValidationError } from '../errors.ts';

export interface IpAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

export interface Cidr extends IpAddress {
  /** Leading bits that must match: 0-32 (IPv4) or 0-128 (IPv6). */
  prefix: number;
}

/** Longer than any address or block; a longer text is refused before it is looked at. */
const MAX_TEXT = 64;
/** A phone network list longer than this is a mistake (AWS security groups hold far fewer rules). */
export const MAX_CIDRS = 1_000;

const DECIMAL_OCTET = /^(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!DECIMAL_OCTET.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

/** The 16-bit groups of one side of '::' (an IPv4 tail counts as two groups); undefined when malformed. */
function hexGroups(text: string, allowIpv4Tail: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (allowIpv4Tail && i === parts.length - 1 && part.includes('.')) {
      const tail = parseIpv4(part);
      if (!tail) return undefined;
      groups.push(((tail[0] as number) << 8) | (tail[1] as number), ((tail[2] as number) << 8) | (tail[3] as number));
    } else {
      if (!HEX_GROUP.test(part)) return undefined;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = hexGroups(halves[0] as string, false);
    const tail = hexGroups(halves[1] as string, true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = hexGroups(text, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** An address as a socket or a PROXY header reports it (an IPv6 zone such as %eth0 is ignored); undefined if it is none. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT) return undefined;
  if (!text.includes(':')) {
    const bytes = parseIpv4(text);
    return bytes ? { family: 4, bytes } : undefined;
  }
  const bytes = parseIpv6(text.replace(/%[0-9A-Za-z_.-]{1,32}$/, ''));
  if (!bytes) return undefined;
  return isMappedIpv4(bytes) ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes };
}

function isMappedIpv4(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** `a.b.c.d/n` or `x:y::z/n` (a bare address is a /32 or /128). Bits past the prefix are ignored. */
export function parseCidr(text: string): Cidr {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (trimmed.length === 0 || trimmed.length > MAX_TEXT) throw new ValidationError(`"${trimmed.slice(0, MAX_TEXT)}" is not an IPv4 or IPv6 CIDR block`, 'INVALID_CIDR');
  const [addressText, prefixText, extra] = trimmed.split('/');
  const family = (addressText as string).includes(':') ? 6 : 4;
  const bytes = family === 4 ? parseIpv4(addressText as string) : parseIpv6(addressText as string);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^(0|[1-9]\d{0,2})$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!bytes || extra !== undefined || !(prefix >= 0 && prefix <= bits)) {
    throw new ValidationError(`"${trimmed}" is not an IPv${family} CIDR block (address/prefix, prefix 0-${bits})`, 'INVALID_CIDR');
  }
  return { family, bytes, prefix };
}

/** A comma- or space-separated list (CAPF_PHONE_NETWORKS) or an array of blocks. */
export function parseCidrList(input: string | readonly string[]): Cidr[] {
  const items = typeof input === 'string' ? input.split(/[\s,]+/).filter((item) => item.length > 0) : [...input];
  if (items.length > MAX_CIDRS) throw new ValidationError(`at most ${MAX_CIDRS} CIDR blocks, not ${items.length}`, 'INVALID_CIDR');
  return items.map(parseCidr);
}

export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.family !== address.family) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== address.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((cidr.bytes[whole] as number) & mask) === ((address.bytes[whole] as number) & mask);
}

/** Whether an address (as text) lies in any of the blocks; an unparsable address lies in none. */
export function inAnyCidr(cidrs: readonly Cidr[], address: string): boolean {
  const parsed = parseIpAddress(address);
  return parsed !== undefined && cidrs.some((cidr) => cidrContains(cidr, parsed));
}

/**
 * What per-address limits count by: an IPv4 address itself, an IPv6 address by its /64 (one subscriber's or one
 * site's network: a peer that owns a /64 must not get a fresh budget per address). Text that is no address is its own key.
 */
export function limiterKey(address: string): string {
  const parsed = parseIpAddress(address);
  if (!parsed) return address.slice(0, MAX_TEXT);
  if (parsed.family === 4) return parsed.bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push((((parsed.bytes[i] as number) << 8) | (parsed.bytes[i + 1] as number)).toString(16));
  return `${groups.join(':')}::/64`;
}
