// A minimal DER reader and writer. X.509 structures are built here by hand because the LSC is on the issuance hot
// path (see lsc.ts); tests check every structure against @peculiar/asn1-x509, node:crypto and openssl.
// The reader accepts definite lengths and single-byte tags only, which is all DER X.509 needs.
import { ValidationError } from '../errors.ts';

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** One element found by readElement: offsets into the buffer it was read from. */
export interface DerElement {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

function malformed(what: string): ValidationError {
  return new ValidationError(`malformed DER: ${what}`, 'MALFORMED_DER');
}

/** Reads the element starting at `offset`; it must end at or before `limit`. Lengths must be minimal (DER). */
export function readElement(bytes: Uint8Array, offset: number, limit: number = bytes.length): DerElement {
  if (offset + 2 > limit) throw malformed('truncated element header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed('multi-byte tags are not supported');
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw malformed('indefinite length');
    if (count > 3) throw malformed('length over 16 MiB');
    if (contentStart + count > limit) throw malformed('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    contentStart += count;
    if (length < 0x80 || (count > 1 && bytes[offset + 2] === 0)) throw malformed('non-minimal length');
  }
  const end = contentStart + length;
  if (end > limit) throw malformed('element runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** Reads the one element that must fill `bytes` exactly (no trailing data). */
export function readWhole(bytes: Uint8Array, expectedTag: number): DerElement {
  const element = readElement(bytes, 0);
  if (element.tag !== expectedTag) throw malformed(`expected tag 0x${hex2(expectedTag)}, found 0x${hex2(element.tag)}`);
  if (element.end !== bytes.length) throw malformed('trailing bytes after the element');
  return element;
}

/** The direct children of a constructed element, in order. */
export function childrenOf(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readElement(bytes, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export function contentOf(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.contentStart, element.end);
}

export function rawOf(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.start, element.end);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

// ---- writer ----

function lengthBytes(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length < 0x100) return Uint8Array.of(0x81, length);
  if (length < 0x10000) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  if (length < 0x1000000) return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  throw new RangeError(`DER element of ${length} bytes is too large`);
}

/** Tag, length and the concatenated contents. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of contents) length += part.length;
  const header = lengthBytes(length);
  const out = Buffer.allocUnsafe(1 + header.length + length);
  out[0] = tag;
  out.set(header, 1);
  let at = 1 + header.length;
  for (const part of contents) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function sequence(...contents: Uint8Array[]): Uint8Array {
  return tlv(TAG.sequence, ...contents);
}

/** A non-negative INTEGER from big-endian magnitude bytes, minimally encoded (leading zeros dropped, 0x00 added when the top bit is set). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let first = 0;
  while (first < magnitude.length - 1 && magnitude[first] === 0) first++;
  const trimmed = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(first);
  return trimmed[0]! & 0x80 ? tlv(TAG.integer, Uint8Array.of(0), trimmed) : tlv(TAG.integer, trimmed);
}

export function smallInteger(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new RangeError(`integer ${value} out of range`);
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Uint8Array.from(bytes.length ? bytes : [0]));
}

const oidCache = new Map<string, Uint8Array>();

/** OBJECT IDENTIFIER from dotted form. Encodings are cached: the set of OIDs we write is small and fixed. */
export function objectIdentifier(dotted: string): Uint8Array {
  let der = oidCache.get(dotted);
  if (!der) {
    der = encodeObjectIdentifier(dotted);
    if (oidCache.size < 256) oidCache.set(dotted, der);
  }
  return der;
}

function encodeObjectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((arc) => Number(arc));
  if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0)) throw new RangeError(`bad OID ${dotted}`);
  const bytes: number[] = [];
  const pushArc = (arc: number): void => {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  };
  pushArc(arcs[0]! * 40 + arcs[1]!);
  for (const arc of arcs.slice(2)) pushArc(arc);
  return tlv(TAG.oid, Uint8Array.from(bytes));
}

/** BIT STRING with no unused bits (signatures, hashes, keys). */
export function bitString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.bitString, Uint8Array.of(0), bytes);
}

/** BIT STRING for a NamedBitList (KeyUsage): bit 0 is the most significant bit of the first byte; trailing zeros dropped. */
export function namedBits(bitNumbers: readonly number[]): Uint8Array {
  const highest = Math.max(...bitNumbers);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bitNumbers) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const unused = 7 - (highest & 7);
  return tlv(TAG.bitString, Uint8Array.of(unused), bytes);
}

export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.octetString, bytes);
}

export function asciiString(tag: number, text: string): Uint8Array {
  return tlv(tag, Buffer.from(text, 'latin1'));
}

export function utf8String(text: string): Uint8Array {
  return tlv(TAG.utf8String, Buffer.from(text, 'utf8'));
}

export const BOOLEAN_TRUE = Uint8Array.of(TAG.boolean, 1, 0xff);

/** RFC 5280 §4.1.2.5: UTCTime for 1950–2049, GeneralizedTime otherwise; whole seconds, Zulu. */
export function x509Time(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} cannot be encoded in a certificate`);
  const digits = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19);
  return year >= 1950 && year < 2050 ? asciiString(TAG.utcTime, `${digits.slice(2)}Z`) : asciiString(TAG.generalizedTime, `${digits}Z`);
}

/** Parses UTCTime or GeneralizedTime in the DER form above (YY/YYYY MM DD HH MM SS Z). */
export function readX509Time(bytes: Uint8Array, element: DerElement): Date {
  const text = Buffer.from(contentOf(bytes, element)).toString('latin1');
  const match =
    element.tag === TAG.utcTime ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : element.tag === TAG.generalizedTime ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (!match) throw malformed(`unsupported time ${JSON.stringify(text.slice(0, 20))}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const year = element.tag === TAG.utcTime ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  const date = new Date(Date.UTC(2000, 0, 1, h, mi, s));
  date.setUTCFullYear(year, mo - 1, d); // Date.UTC would map years 0–99 to 1900–1999
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw malformed(`invalid date ${text}`);
  return date;
}

/** Dotted form of an OBJECT IDENTIFIER element. */
export function readObjectIdentifier(bytes: Uint8Array, element: DerElement): string {
  if (element.tag !== TAG.oid) throw malformed(`expected an OBJECT IDENTIFIER, found tag 0x${hex2(element.tag)}`);
  const content = contentOf(bytes, element);
  if (content.length === 0 || content.length > 64) throw malformed('OBJECT IDENTIFIER length');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    if (value === 0 && byte === 0x80) throw malformed('non-minimal OBJECT IDENTIFIER arc');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw malformed('OBJECT IDENTIFIER arc too large');
    if (!(byte & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      throw malformed('truncated OBJECT IDENTIFIER');
    }
  }
  return arcs.join('.');
}
