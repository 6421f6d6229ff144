// Typed element builders and the typed view of a received message (docs/protocol.md §3, §4.3, §4.4).
import { ProtocolError } from '../errors.ts';
import { Tag, tagName } from './constants.ts';
import type { Element } from './codec.ts';

/** CERTIFICATE(4) value: sub-tag 0x01, uint16 (N+2), 0x00, certificate type, DER[N] (§3). */
const CERTIFICATE_PREFIX_LENGTH = 5;

export interface CertificateValue {
  certificateType: number;
  der: Uint8Array;
}

export interface Sha2Signature {
  hashAlgorithm: number;
  signature: Uint8Array;
}

export interface SudiBlock {
  kind: number;
  data: Uint8Array;
}

export interface SudiData {
  certificate: SudiBlock;
  sha1Signature: SudiBlock;
  sha2Signature: SudiBlock;
}

/** Every element a phone or server may send, decoded; absent when not in the message. */
export interface MessageFields {
  reason?: number;
  reasonInfo?: Uint8Array;
  certificateType?: number;
  certificate?: CertificateValue;
  signedData?: Uint8Array;
  version?: number;
  authType?: number;
  publicKey?: Uint8Array;
  keySize?: number;
  /** PASSWORD without its NUL terminator, as raw bytes (compared in constant time, never logged). */
  password?: Uint8Array;
  retryDelay?: Uint8Array;
  deviceName?: string;
  sudi?: SudiData;
  keyType?: number;
  curve?: number;
  digestType?: Uint8Array;
  sha2SignedData?: Sha2Signature;
  csr?: Uint8Array;
  /** Tags the decoder does not know; skipped and reported for the log (§3: skip, do not fail). */
  unknownTags: number[];
}

function u8(tag: number, value: number): Element {
  return { tag, value: Uint8Array.of(value & 0xff) };
}

function u16(tag: number, value: number): Element {
  return { tag, value: Uint8Array.of((value >> 8) & 0xff, value & 0xff) };
}

function nulTerminated(tag: number, text: string | Uint8Array): Element {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const value = new Uint8Array(bytes.length + 1);
  value.set(bytes, 0);
  return { tag, value };
}

function lengthPrefixed(kind: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + data.length);
  out[0] = kind;
  out[1] = (data.length >> 8) & 0xff;
  out[2] = data.length & 0xff;
  out.set(data, 3);
  return out;
}

/** Builders in the spec's names; each returns one element. */
export const element = {
  reason: (reason: number): Element => u8(Tag.Reason, reason),
  /** Text for people (NUL-terminated UTF-8); we send it only with END_SESSION for an expired operation. */
  reasonInfo: (text: string): Element => nulTerminated(Tag.ReasonInfo, text),
  version: (version: number): Element => u8(Tag.Version, version),
  authType: (authType: number): Element => u8(Tag.AuthType, authType),
  certificateType: (certificateType: number): Element => u8(Tag.CertificateType, certificateType),
  keySize: (bits: number): Element => u16(Tag.KeySize, bits),
  keyType: (keyType: number): Element => u8(Tag.KeyType, keyType),
  curve: (curve: number): Element => u8(Tag.Curve, curve),
  deviceName: (name: string): Element => nulTerminated(Tag.DeviceName, name),
  password: (password: string | Uint8Array): Element => nulTerminated(Tag.Password, password),
  publicKey: (spkiDer: Uint8Array): Element => ({ tag: Tag.PublicKey, value: spkiDer }),
  signedData: (signature: Uint8Array): Element => ({ tag: Tag.SignedData, value: signature }),
  sha2SignedData: (hashAlgorithm: number, signature: Uint8Array): Element => ({
    tag: Tag.Sha2SignedData,
    value: lengthPrefixed(hashAlgorithm, signature),
  }),
  certificate: (der: Uint8Array, certificateType = 1): Element => {
    const value = new Uint8Array(CERTIFICATE_PREFIX_LENGTH + der.length);
    value[0] = 0x01;
    value[1] = ((der.length + 2) >> 8) & 0xff;
    value[2] = (der.length + 2) & 0xff;
    value[3] = 0x00;
    value[4] = certificateType;
    value.set(der, CERTIFICATE_PREFIX_LENGTH);
    return { tag: Tag.Certificate, value };
  },
  sudi: (sudi: SudiData): Element => {
    const blocks = [sudi.certificate, sudi.sha1Signature, sudi.sha2Signature].map((b) => lengthPrefixed(b.kind, b.data));
    return { tag: Tag.SudiData, value: Buffer.concat(blocks) };
  },
  csr: (csrDer: Uint8Array): Element => ({ tag: Tag.Csr, value: csrDer }),
  raw: (tag: number, value: Uint8Array): Element => ({ tag, value }),
};

function expectLength(tag: number, value: Uint8Array, length: number): void {
  if (value.length !== length) {
    throw new ProtocolError(`${tagName(tag)} must be ${length} byte(s), got ${value.length}`, 'BAD_ELEMENT');
  }
}

function stripNul(tag: number, value: Uint8Array): Uint8Array {
  if (value.length === 0) throw new ProtocolError(`${tagName(tag)} is empty (no NUL terminator)`, 'BAD_ELEMENT');
  // The reference drops the last byte without looking; we accept a missing NUL but refuse embedded ones.
  const body = value[value.length - 1] === 0 ? value.subarray(0, value.length - 1) : value;
  if (body.includes(0)) throw new ProtocolError(`${tagName(tag)} contains an embedded NUL`, 'BAD_ELEMENT');
  return body;
}

function parseCertificate(value: Uint8Array): CertificateValue {
  // Parse leniently (§3): the 5-byte sub-header is skipped; only its type byte is kept.
  if (value.length <= CERTIFICATE_PREFIX_LENGTH) {
    throw new ProtocolError(`Certificate element too short (${value.length} bytes)`, 'BAD_ELEMENT');
  }
  return { certificateType: value[4] as number, der: value.subarray(CERTIFICATE_PREFIX_LENGTH) };
}

function parseBlocks(tag: number, value: Uint8Array, count: number): SudiBlock[] {
  const blocks: SudiBlock[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (value.length - offset < 3) throw new ProtocolError(`${tagName(tag)} block ${i + 1} is truncated`, 'BAD_ELEMENT');
    const kind = value[offset] as number;
    const length = ((value[offset + 1] as number) << 8) | (value[offset + 2] as number);
    if (offset + 3 + length > value.length) {
      throw new ProtocolError(`${tagName(tag)} block ${i + 1} declares ${length} bytes past the element`, 'BAD_ELEMENT');
    }
    blocks.push({ kind, data: value.subarray(offset + 3, offset + 3 + length) });
    offset += 3 + length;
  }
  return blocks;
}

/** Typed view of a message's elements. A known tag that appears twice or has a malformed value is a ProtocolError. */
export function readFields(elements: readonly Element[]): MessageFields {
  const fields: MessageFields = { unknownTags: [] };
  const seen = new Set<number>();
  for (const { tag, value } of elements) {
    if (seen.has(tag) && tag in TAG_READERS) {
      throw new ProtocolError(`${tagName(tag)} appears more than once`, 'DUPLICATE_ELEMENT');
    }
    seen.add(tag);
    const reader = TAG_READERS[tag];
    if (reader) reader(fields, value, tag);
    else fields.unknownTags.push(tag);
  }
  return fields;
}

type TagReader = (fields: MessageFields, value: Uint8Array, tag: number) => void;
type FieldOf<T> = { [K in keyof MessageFields]-?: MessageFields[K] extends T | undefined ? K : never }[keyof MessageFields];

/** An element of exactly one byte. */
const oneByte =
  (field: FieldOf<number>): TagReader =>
  (f, v, t) => {
    expectLength(t, v, 1);
    f[field] = v[0];
  };

/** Bytes kept as they came; `nonEmpty` refuses an empty value. */
const bytes =
  (field: FieldOf<Uint8Array>, nonEmpty = false): TagReader =>
  (f, v, t) => {
    if (nonEmpty && v.length === 0) throw new ProtocolError(`${tagName(t)} is empty`, 'BAD_ELEMENT');
    f[field] = v;
  };

const TAG_READERS: Record<number, TagReader> = {
  [Tag.Reason]: oneByte('reason'),
  [Tag.ReasonInfo]: bytes('reasonInfo'),
  [Tag.CertificateType]: oneByte('certificateType'),
  [Tag.Certificate]: (f, v) => {
    f.certificate = parseCertificate(v);
  },
  [Tag.SignedData]: bytes('signedData', true),
  [Tag.Version]: oneByte('version'),
  [Tag.AuthType]: oneByte('authType'),
  [Tag.PublicKey]: bytes('publicKey', true),
  [Tag.KeySize]: (f, v, t) => {
    expectLength(t, v, 2);
    f.keySize = ((v[0] as number) << 8) | (v[1] as number);
  },
  [Tag.Password]: (f, v, t) => {
    f.password = stripNul(t, v);
  },
  [Tag.RetryDelay]: bytes('retryDelay'),
  [Tag.DeviceName]: (f, v, t) => {
    const name = stripNul(t, v);
    for (const byte of name) {
      if (byte < 0x21 || byte > 0x7e) throw new ProtocolError(`${tagName(t)} has a non-printable byte`, 'BAD_ELEMENT');
    }
    f.deviceName = Buffer.from(name).toString('latin1');
  },
  [Tag.SudiData]: (f, v, t) => {
    const [certificate, sha1Signature, sha2Signature] = parseBlocks(t, v, 3) as [SudiBlock, SudiBlock, SudiBlock];
    f.sudi = { certificate, sha1Signature, sha2Signature };
  },
  [Tag.KeyType]: oneByte('keyType'),
  [Tag.Curve]: oneByte('curve'),
  [Tag.DigestType]: bytes('digestType'),
  [Tag.Sha2SignedData]: (f, v, t) => {
    const [block] = parseBlocks(t, v, 1) as [SudiBlock];
    f.sha2SignedData = { hashAlgorithm: block.kind, signature: block.data };
  },
  [Tag.Csr]: bytes('csr', true),
};
