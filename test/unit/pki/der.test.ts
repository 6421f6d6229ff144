import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import {
  childrenOf,
  contentOf,
  namedBits,
  objectIdentifier,
  readElement,
  readObjectIdentifier,
  readWhole,
  readX509Time,
  sequence,
  TAG,
  tlv,
  unsignedInteger,
  x509Time,
} from '../../../shared/pki/der.ts';
import { ValidationError } from '../../../shared/errors.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

describe('DER lengths', () => {
  it.each([0, 1, 127, 128, 255, 256, 65_535, 65_536, 100_000])('writes and reads back a %i-byte element', (length) => {
    const content = new Uint8Array(length).fill(7);
    const element = tlv(TAG.octetString, content);
    const read = readWhole(element, TAG.octetString);
    expect(read.end).toBe(element.length);
    expect(hex(contentOf(element, read))).toBe(hex(content));
  });

  it('uses the minimal length form', () => {
    expect(hex(tlv(TAG.octetString, new Uint8Array(127))).slice(0, 4)).toBe('047f');
    expect(hex(tlv(TAG.octetString, new Uint8Array(128))).slice(0, 6)).toBe('048180');
    expect(hex(tlv(TAG.octetString, new Uint8Array(256))).slice(0, 8)).toBe('04820100');
  });

  it.each([
    ['indefinite length', '3080000000', 'indefinite length'],
    ['non-minimal short length', '04810101', 'non-minimal length'],
    ['non-minimal long length', '0482000101', 'non-minimal length'],
    ['length longer than the data', '040501', 'element runs past its container'],
    ['truncated header', '04', 'truncated element header'],
    ['truncated length bytes', '0482', 'truncated length'],
    ['multi-byte tag', '1f2100', 'multi-byte tags'],
    ['length over 16 MiB', '048401000000', 'length over 16 MiB'],
  ])('refuses %s', (_what, bytes, message) => {
    expect(() => readElement(fromHex(bytes), 0)).toThrow(message);
    expect(() => readElement(fromHex(bytes), 0)).toThrow(ValidationError);
  });

  it('refuses trailing bytes and the wrong outer tag', () => {
    expect(() => readWhole(fromHex('0400ff'), TAG.octetString)).toThrow('trailing bytes');
    expect(() => readWhole(fromHex('0400'), TAG.sequence)).toThrow('expected tag 0x30, found 0x04');
  });

  it('keeps children inside their parent', () => {
    // SEQUENCE of length 3 whose child claims 4 bytes.
    const bytes = fromHex('3003040401020304');
    expect(() => childrenOf(bytes, readElement(bytes, 0))).toThrow('element runs past its container');
    const ok = sequence(tlv(TAG.octetString, Uint8Array.of(1)), tlv(TAG.null));
    expect(childrenOf(ok, readWhole(ok, TAG.sequence)).map((c) => c.tag)).toEqual([TAG.octetString, TAG.null]);
  });
});

describe('DER INTEGER', () => {
  it('encodes non-negative magnitudes minimally, as the library parser reads them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 24 }), (magnitude) => {
        const der = unsignedInteger(magnitude);
        const content = contentOf(der, readWhole(der, TAG.integer));
        const expected = magnitude.length ? BigInt(`0x${hex(magnitude) || '0'}`) : 0n;
        expect(BigInt(`0x${hex(content)}`)).toBe(expected);
        // Minimal two's complement: never negative, no redundant leading byte.
        expect(content[0]! & 0x80).toBe(0);
        if (content.length > 1) expect(content[0] === 0 && !(content[1]! & 0x80)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('adds 0x00 when the top bit is set', () => {
    expect(hex(unsignedInteger(fromHex('80')))).toBe('02020080');
    expect(hex(unsignedInteger(fromHex('00007f')))).toBe('02017f');
    expect(hex(unsignedInteger(new Uint8Array(3)))).toBe('020100');
  });
});

describe('DER OBJECT IDENTIFIER', () => {
  it('encodes known OIDs exactly', () => {
    expect(hex(objectIdentifier('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(hex(objectIdentifier('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(objectIdentifier('2.5.29.19'))).toBe('0603551d13');
    expect(hex(objectIdentifier('1.3.6.1.5.5.7.3.5'))).toBe('06082b06010505070305');
  });

  it('round-trips through our reader and the library', () => {
    const arcs = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 8 }));
    fc.assert(
      fc.property(arcs, ([first, second, rest]) => {
        const dotted = [first, second, ...rest].join('.');
        const der = objectIdentifier(dotted);
        expect(readObjectIdentifier(der, readWhole(der, TAG.oid))).toBe(dotted);
        expect(AsnConvert.parse(sequence(der), AlgorithmIdentifier).algorithm).toBe(dotted);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses non-minimal and truncated arcs', () => {
    expect(() => readObjectIdentifier(fromHex('0602807f'), readElement(fromHex('0602807f'), 0))).toThrow('non-minimal');
    expect(() => readObjectIdentifier(fromHex('06022a86'), readElement(fromHex('06022a86'), 0))).toThrow('truncated');
  });
});

describe('DER named bits (KeyUsage)', () => {
  it('drops trailing zero bits and counts the unused ones', () => {
    expect(hex(namedBits([0, 2]))).toBe('030205a0'); // digitalSignature, keyEncipherment
    expect(hex(namedBits([0, 5, 6]))).toBe('03020186'); // + keyCertSign, cRLSign
    expect(hex(namedBits([0, 2, 5, 6]))).toBe('030201a6');
    expect(hex(namedBits([8]))).toBe('0303070080'); // decipherOnly
  });
});

describe('X.509 times', () => {
  const roundTrip = (date: Date): { tag: number; text: string; back: Date } => {
    const der = x509Time(date);
    const element = readElement(der, 0);
    return { tag: element.tag, text: Buffer.from(contentOf(der, element)).toString('latin1'), back: readX509Time(der, element) };
  };

  it('uses UTCTime through 2049 and GeneralizedTime from 2050, in whole seconds', () => {
    expect(roundTrip(new Date('2049-12-31T23:59:59.999Z'))).toEqual({ tag: TAG.utcTime, text: '491231235959Z', back: new Date('2049-12-31T23:59:59Z') });
    expect(roundTrip(new Date('2050-01-01T00:00:00Z'))).toEqual({ tag: TAG.generalizedTime, text: '20500101000000Z', back: new Date('2050-01-01T00:00:00Z') });
    expect(roundTrip(new Date('1950-01-01T00:00:00Z'))).toEqual({ tag: TAG.utcTime, text: '500101000000Z', back: new Date('1950-01-01T00:00:00Z') });
    expect(roundTrip(new Date('1949-12-31T23:59:59Z')).tag).toBe(TAG.generalizedTime);
  });

  it('round-trips any second from 1900 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1) / 1000, max: Date.UTC(9999, 11, 31, 23, 59, 59) / 1000 }), (seconds) => {
        const date = new Date(seconds * 1000);
        expect(roundTrip(date).back).toEqual(date);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['a day that does not exist', TAG.utcTime, '260230000000Z', 'invalid date'],
    ['an hour past 23', TAG.generalizedTime, '20500101240000Z', 'invalid date'],
    ['fractional seconds', TAG.generalizedTime, '20500101000000.5Z', 'unsupported time'],
    ['a local time', TAG.utcTime, '260101000000', 'unsupported time'],
    ['a time that is not a time type', TAG.octetString, '260101000000Z', 'unsupported time'],
  ])('refuses %s', (_what, tag, text, message) => {
    const der = tlv(tag, Buffer.from(text, 'latin1'));
    expect(() => readX509Time(der, readElement(der, 0))).toThrow(message);
  });
});
