// PROXY protocol version 2 (docs/proxy-protocol.md): the binary header a load balancer puts in front of the TCP
// stream, before the phone's TLS ClientHello, to say who the client really is. Pure: bytes in, the source address
// out, or a ProtocolError. The reader is incremental (TCP may deliver the header in pieces) and bounded: nothing is
// kept past the length the fixed part declares, and that length is checked against a limit before it is awaited.
import { ProtocolError } from '../errors.ts';

/** The 12 bytes every v2 header starts with (chosen so that no text protocol and no TLS record starts that way). */
export const PROXY_V2_SIGNATURE: Uint8Array = Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a);
/** The text v1 header starts with `PROXY ` (we never accept v1; we only recognise it to refuse it clearly). */
export const PROXY_V1_SIGNATURE: Uint8Array = Uint8Array.from(Buffer.from('PROXY ', 'latin1'));
/** Signature, version/command, family/transport, 16-bit length. */
export const PROXY_V2_FIXED_LENGTH = 16;
/**
 * Largest address block (addresses plus TLVs) accepted. The IPv6 block is 36 bytes; AWS adds a few TLVs (a VPC
 * endpoint id, at most a few dozen bytes); 512 leaves room for any load balancer we may sit behind.
 */
export const PROXY_V2_MAX_BLOCK = 512;

export type ProxyFamily = 'IPv4' | 'IPv6';

export interface ProxyAddress {
  address: string;
  port: number;
  family: ProxyFamily;
}

/**
 * A complete header. `source` is absent for a LOCAL command (the balancer's own health check) and for an UNSPEC
 * address family: the receiver then uses the connection's own addresses, as the specification says.
 */
export interface ProxyHeader {
  command: 'local' | 'proxy';
  source?: ProxyAddress;
  destination?: ProxyAddress;
  /** Bytes the header took on the wire: what follows belongs to the client (its TLS ClientHello). */
  length: number;
}

export type ProxyHeaderRead = { complete: false } | { complete: true; header: ProxyHeader };

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  const n = Math.min(bytes.length, prefix.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * Which PROXY header `bytes` (the first bytes of a connection) begin, as far as they go: 'v1' or 'v2' once the whole
 * signature matched, 'partial' while the bytes so far are a prefix of a signature, 'none' otherwise (TLS starts 0x16).
 */
export function proxySignature(bytes: Uint8Array): 'v1' | 'v2' | 'partial' | 'none' {
  if (bytes.length === 0) return 'partial';
  const v2 = startsWith(bytes, PROXY_V2_SIGNATURE);
  const v1 = startsWith(bytes, PROXY_V1_SIGNATURE);
  if (v2 && bytes.length >= PROXY_V2_SIGNATURE.length) return 'v2';
  if (v1 && bytes.length >= PROXY_V1_SIGNATURE.length) return 'v1';
  return v1 || v2 ? 'partial' : 'none';
}

const FAMILIES: Record<number, { family: ProxyFamily; addressBytes: number } | undefined> = {
  0x1: { family: 'IPv4', addressBytes: 4 },
  0x2: { family: 'IPv6', addressBytes: 16 },
};

/**
 * Reads a v2 header from the start of `bytes`. `{ complete: false }` means more bytes are needed; a ProtocolError
 * means the connection does not start with a usable v2 header (code PROXY_*), and must be dropped.
 */
export function readProxyV2Header(bytes: Uint8Array, maxBlock = PROXY_V2_MAX_BLOCK): ProxyHeaderRead {
  const signature = proxySignature(bytes);
  if (signature === 'v1') throw new ProtocolError('a PROXY protocol v1 (text) header; only v2 is accepted', 'PROXY_VERSION');
  if (signature === 'none') throw new ProtocolError('the connection does not start with a PROXY protocol v2 header', 'PROXY_MISSING');
  if (bytes.length < PROXY_V2_FIXED_LENGTH) return { complete: false };

  const versionCommand = bytes[12] as number;
  const familyTransport = bytes[13] as number;
  const blockLength = ((bytes[14] as number) << 8) | (bytes[15] as number);
  if (versionCommand >> 4 !== 0x2) throw new ProtocolError(`PROXY header version ${versionCommand >> 4}, not 2`, 'PROXY_VERSION');
  const command = versionCommand & 0x0f;
  if (command > 0x1) throw new ProtocolError(`PROXY header command ${command} is neither LOCAL (0) nor PROXY (1)`, 'PROXY_COMMAND');
  if (blockLength > maxBlock) throw new ProtocolError(`PROXY header declares ${blockLength} address bytes, more than the ${maxBlock} accepted`, 'PROXY_LENGTH');
  const length = PROXY_V2_FIXED_LENGTH + blockLength;
  if (bytes.length < length) return { complete: false };

  // LOCAL: the balancer speaking for itself; the block (if any) is skipped unread.
  if (command === 0x0) return { complete: true, header: { command: 'local', length } };
  const familyCode = familyTransport >> 4;
  const transport = familyTransport & 0x0f;
  if (familyCode === 0x0) return { complete: true, header: { command: 'proxy', length } };
  const family = FAMILIES[familyCode];
  if (!family) throw new ProtocolError(`PROXY header address family ${familyCode} is not IPv4 (1) or IPv6 (2)`, 'PROXY_FAMILY');
  if (transport !== 0x1) throw new ProtocolError(`PROXY header transport ${transport} is not a stream (1)`, 'PROXY_FAMILY');
  const needed = 2 * family.addressBytes + 4;
  if (blockLength < needed) {
    throw new ProtocolError(`PROXY header declares ${blockLength} address bytes; ${family.family} needs ${needed}`, 'PROXY_LENGTH');
  }
  const at = PROXY_V2_FIXED_LENGTH;
  const portsAt = at + 2 * family.addressBytes;
  const address = (offset: number, port: number): ProxyAddress =>
    normalise(bytes.subarray(offset, offset + family.addressBytes), port, family.family);
  const source = address(at, ((bytes[portsAt] as number) << 8) | (bytes[portsAt + 1] as number));
  const destination = address(at + family.addressBytes, ((bytes[portsAt + 2] as number) << 8) | (bytes[portsAt + 3] as number));
  // The TLVs after the addresses (AWS's VPC endpoint id, CRC, padding...) are covered by `length` and skipped.
  return { complete: true, header: { command: 'proxy', source, destination, length } };
}

/** An IPv6 address that maps an IPv4 one (::ffff:a.b.c.d) is that IPv4 peer, as the socket layer reports it. */
function normalise(raw: Uint8Array, port: number, family: ProxyFamily): ProxyAddress {
  if (family === 'IPv4') return { address: raw.join('.'), port, family };
  const mapped = raw.subarray(0, 10).every((b) => b === 0) && raw[10] === 0xff && raw[11] === 0xff;
  if (mapped) return { address: raw.subarray(12).join('.'), port, family: 'IPv4' };
  return { address: formatIpv6(raw), port, family };
}

/** RFC 5952 text: lower-case hex groups, the longest run of two or more zero groups (the first on a tie) as `::`. */
export function formatIpv6(raw: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((raw[i] as number) << 8) | (raw[i + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (list: number[]): string => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/**
 * Builds a v2 PROXY header (what a load balancer sends): for tests and the phone simulator's load-balancer stand-in.
 * `source` undefined gives a LOCAL header. `tlvs` are appended raw after the addresses.
 */
export function encodeProxyV2Header(source?: ProxyAddress, destination?: ProxyAddress, tlvs: Uint8Array = new Uint8Array(0)): Buffer {
  if (!source) {
    const fixed = Buffer.alloc(PROXY_V2_FIXED_LENGTH);
    fixed.set(PROXY_V2_SIGNATURE);
    fixed[12] = 0x20;
    fixed.writeUInt16BE(tlvs.length, 14);
    return Buffer.concat([fixed, tlvs]);
  }
  const to = destination ?? (source.family === 'IPv4' ? { address: '0.0.0.0', port: 0, family: 'IPv4' as const } : { address: '::', port: 0, family: 'IPv6' as const });
  if (to.family !== source.family) throw new RangeError('source and destination must be of one family');
  const addressBytes = source.family === 'IPv4' ? 4 : 16;
  const block = Buffer.alloc(2 * addressBytes + 4);
  block.set(parseAddress(source), 0);
  block.set(parseAddress(to), addressBytes);
  block.writeUInt16BE(source.port, 2 * addressBytes);
  block.writeUInt16BE(to.port, 2 * addressBytes + 2);
  const fixed = Buffer.alloc(PROXY_V2_FIXED_LENGTH);
  fixed.set(PROXY_V2_SIGNATURE);
  fixed[12] = 0x21;
  fixed[13] = source.family === 'IPv4' ? 0x11 : 0x21;
  fixed.writeUInt16BE(block.length + tlvs.length, 14);
  return Buffer.concat([fixed, block, tlvs]);
}

/** Dotted IPv4 or textual IPv6 (with `::`, without an embedded IPv4 part) to bytes. */
function parseAddress({ address, family }: ProxyAddress): Uint8Array {
  if (family === 'IPv4') {
    const parts = address.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`${address} is not an IPv4 address`);
    return Uint8Array.from(parts);
  }
  const [head = '', tail] = address.split('::');
  const groups = (text: string): number[] => (text ? text.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (all.length !== 8 || all.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) throw new RangeError(`${address} is not an IPv6 address`);
  const raw = new Uint8Array(16);
  all.forEach((g, i) => {
    raw[2 * i] = g >> 8;
    raw[2 * i + 1] = g & 0xff;
  });
  return raw;
}
