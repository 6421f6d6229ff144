// The PROXY v2 header reader: the layout of docs/proxy-protocol.md byte by byte, its refusals, and properties over
// random headers and random bytes (only a ProtocolError may escape; every prefix of a header is "incomplete").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../shared/errors.ts';
import {
  PROXY_V2_FIXED_LENGTH,
  PROXY_V2_MAX_BLOCK,
  encodeProxyV2Header,
  formatIpv6,
  proxySignature,
  readProxyV2Header,
  type ProxyAddress,
} from '../../../shared/protocol/proxy-header.ts';

const SIGNATURE = '0d0a0d0a000d0a515549540a';

function read(hex: string) {
  return readProxyV2Header(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

function refusal(bytes: Uint8Array): string {
  try {
    readProxyV2Header(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return (error as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

describe('readProxyV2Header: the layout', () => {
  it('PROXY over TCP/IPv4: source 198.51.100.7:50123, destination 10.0.1.20:3804, then the client bytes', () => {
    const header = `${SIGNATURE} 21 11 000c c6336407 0a000114 c3cb 0edc`;
    const result = read(`${header} 16030100`);
    expect(result).toEqual({
      complete: true,
      header: {
        command: 'proxy',
        source: { address: '198.51.100.7', port: 50123, family: 'IPv4' },
        destination: { address: '10.0.1.20', port: 3804, family: 'IPv4' },
        length: 28,
      },
    });
  });

  it('PROXY over TCP/IPv6, with TLVs after the addresses (as AWS sends a VPC endpoint id): skipped', () => {
    const source = '20010db8000000000000000000000042';
    const destination = '20010db8000100000000000000000001';
    const tlv = `ea 0016 01 ${Buffer.from('vpce-0123456789abcdef0').toString('hex').slice(0, 42)}`;
    const block = `${source}${destination} d431 0edc ${tlv}`.replace(/\s+/g, '');
    const result = read(`${SIGNATURE} 21 21 ${(block.length / 2).toString(16).padStart(4, '0')} ${block} 160301`);
    expect(result).toMatchObject({
      complete: true,
      header: { command: 'proxy', source: { address: '2001:db8::42', port: 54321, family: 'IPv6' }, destination: { address: '2001:db8:1::1', port: 3804 }, length: 16 + block.length / 2 },
    });
  });

  it('an IPv4-mapped IPv6 source is the IPv4 peer', () => {
    const mapped = '00000000000000000000ffffcb007105';
    expect(read(`${SIGNATURE} 21 21 0024 ${mapped}${'00'.repeat(16)} 0050 0edc`)).toMatchObject({ header: { source: { address: '203.0.113.5', family: 'IPv4', port: 80 } } });
  });

  it('LOCAL (a health check) and UNSPEC carry no source: the connection keeps its own address', () => {
    expect(read(`${SIGNATURE} 20 00 0000`)).toEqual({ complete: true, header: { command: 'local', length: 16 } });
    expect(read(`${SIGNATURE} 20 11 000c ${'00'.repeat(12)}`)).toEqual({ complete: true, header: { command: 'local', length: 28 } });
    expect(read(`${SIGNATURE} 21 00 0000`)).toEqual({ complete: true, header: { command: 'proxy', length: 16 } });
  });

  it('waits for the fixed part, then for the declared block, without keeping more', () => {
    const header = encodeProxyV2Header({ address: '192.0.2.1', port: 1, family: 'IPv4' });
    for (let n = 0; n < header.length; n++) expect(readProxyV2Header(header.subarray(0, n)), `prefix of ${n}`).toEqual({ complete: false });
    expect(readProxyV2Header(header)).toMatchObject({ complete: true, header: { length: header.length } });
  });
});

describe('readProxyV2Header: refusals (typed, named)', () => {
  it.each([
    ['a TLS ClientHello', '160301020001', 'PROXY_MISSING'],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\n').toString('hex'), 'PROXY_MISSING'],
    ['a v1 text header', Buffer.from('PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n').toString('hex'), 'PROXY_VERSION'],
    ['version 1 in the binary header', `${SIGNATURE} 11 11 000c ${'00'.repeat(12)}`, 'PROXY_VERSION'],
    ['command 2', `${SIGNATURE} 22 11 000c ${'00'.repeat(12)}`, 'PROXY_COMMAND'],
    ['AF_UNIX', `${SIGNATURE} 21 31 00d8 ${'00'.repeat(216)}`, 'PROXY_FAMILY'],
    ['UDP over IPv4', `${SIGNATURE} 21 12 000c ${'00'.repeat(12)}`, 'PROXY_FAMILY'],
    ['an IPv4 block shorter than 12 bytes', `${SIGNATURE} 21 11 0008 ${'00'.repeat(8)}`, 'PROXY_LENGTH'],
    ['an IPv6 block shorter than 36 bytes', `${SIGNATURE} 21 21 000c ${'00'.repeat(12)}`, 'PROXY_LENGTH'],
  ])('%s', (_what, hex, code) => {
    expect(refusal(Buffer.from(hex.replace(/\s+/g, ''), 'hex'))).toBe(code);
  });

  it('a declared block over the bound is refused from the fixed part alone, before waiting for it', () => {
    const fixed = Buffer.from(`${SIGNATURE}2111${(PROXY_V2_MAX_BLOCK + 1).toString(16).padStart(4, '0')}`, 'hex');
    expect(fixed).toHaveLength(PROXY_V2_FIXED_LENGTH);
    expect(refusal(fixed)).toBe('PROXY_LENGTH');
    expect(refusal(Buffer.from(`${SIGNATURE}2111ffff`, 'hex'))).toBe('PROXY_LENGTH');
  });

  it('proxySignature tells the two signatures, their prefixes and anything else apart', () => {
    expect(proxySignature(Buffer.from(SIGNATURE, 'hex'))).toBe('v2');
    expect(proxySignature(Buffer.from('PROXY TCP4'))).toBe('v1');
    expect(proxySignature(Buffer.from('0d0a0d', 'hex'))).toBe('partial');
    expect(proxySignature(Buffer.from('PROX'))).toBe('partial');
    expect(proxySignature(Buffer.from([]))).toBe('partial');
    expect(proxySignature(Buffer.from([0x16, 0x03, 0x01]))).toBe('none');
    expect(proxySignature(Buffer.from('PROXIES'))).toBe('none');
  });
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
const ipv6Bytes = fc.uint8Array({ minLength: 16, maxLength: 16 });
const port = fc.nat(65_535);
const address: fc.Arbitrary<ProxyAddress> = fc.oneof(
  fc.record({ address: ipv4, port, family: fc.constant('IPv4' as const) }),
  // Not IPv4-mapped: those read back as IPv4 (tested above).
  fc.record({ address: ipv6Bytes.filter((b) => !(b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)).map(formatIpv6), port, family: fc.constant('IPv6' as const) }),
);

describe('properties', () => {
  it('formatIpv6 writes what the WHATWG URL parser writes (RFC 5952 style) and reads back to the same bytes', () => {
    fc.assert(
      fc.property(ipv6Bytes, (raw) => {
        const text = formatIpv6(raw);
        expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`);
        const header = encodeProxyV2Header({ address: text, port: 1, family: 'IPv6' });
        expect(Buffer.from(header.subarray(16, 32)).equals(Buffer.from(raw))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('an encoded header with any addresses and TLVs reads back, whole, consuming exactly its length', () => {
    fc.assert(
      fc.property(address, port, fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 32 }), (source, destinationPort, tlvs, rest) => {
        const destination = { ...source, port: destinationPort };
        const header = encodeProxyV2Header(source, destination, tlvs);
        const result = readProxyV2Header(Buffer.concat([header, rest]));
        expect(result).toEqual({ complete: true, header: { command: 'proxy', source, destination, length: header.length } });
      }),
      { numRuns: 2_000 },
    );
  });

  it('random bytes, alone or after a valid signature: incomplete, a bounded header, or a ProtocolError; nothing else', () => {
    const signed = fc.uint8Array({ maxLength: 80 }).map((tail) => Buffer.concat([Buffer.from(SIGNATURE, 'hex'), tail]));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), signed), (bytes) => {
        try {
          const result = readProxyV2Header(bytes);
          if (result.complete) {
            expect(result.header.length).toBeLessThanOrEqual(Math.min(bytes.length, PROXY_V2_FIXED_LENGTH + PROXY_V2_MAX_BLOCK));
            if (result.header.source) expect(result.header.source.port).toBeLessThan(65_536);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 20_000 },
    );
  });
});
