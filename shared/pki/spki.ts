// What a phone's public key is, and whether an LSC may carry it (F5: RSA 1024–4096, EC P-256/P-384/P-521).
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import type { EcCurve } from '../model.ts';
import { childrenOf, contentOf, readObjectIdentifier, readWhole, TAG, type DerElement } from './der.ts';

/** An SPKI is at most ~550 bytes for RSA-4096; anything far larger is not a key we sign. */
export const MAX_SPKI_BYTES = 2048;
export const RSA_BITS = { min: 1024, max: 4096 } as const;

export interface PublicKeyDescription {
  keyType: 'rsa' | 'ec';
  rsaBits?: number;
  curve?: EcCurve;
  /** Lowercase hex SHA-256 of the SPKI DER as given (keys issuance records). */
  sha256Hex: string;
}

/** The description plus what certificate building needs from the same parse. */
export interface InspectedPublicKey extends PublicKeyDescription {
  keyObject: KeyObject;
  /** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
  keyIdentifier: Uint8Array;
}

// Named curves by OID, with the byte length of one coordinate.
const CURVES: ReadonlyMap<string, { curve: EcCurve; coordinateBytes: number }> = new Map([
  ['1.2.840.10045.3.1.7', { curve: 'P-256', coordinateBytes: 32 }],
  ['1.3.132.0.34', { curve: 'P-384', coordinateBytes: 48 }],
  ['1.3.132.0.35', { curve: 'P-521', coordinateBytes: 66 }],
]);
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OTHER_KEY_TYPES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.2.840.10040.4.1': 'DSA',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

function invalid(message: string): ValidationError {
  return new ValidationError(message, 'INVALID_PUBLIC_KEY');
}

interface SpkiFields {
  algorithm: string;
  /** The AlgorithmIdentifier parameters element and the buffer it is in. */
  parameters: { bytes: Uint8Array; element: DerElement } | undefined;
  /** subjectPublicKey BIT STRING contents without the unused-bits byte. */
  keyBits: Uint8Array;
}

/** SEQUENCE { SEQUENCE { OID, parameters? }, BIT STRING } filling the input exactly. */
function readSpki(spkiDer: Uint8Array): SpkiFields {
  try {
    const parts = childrenOf(spkiDer, readWhole(spkiDer, TAG.sequence));
    const [algorithm, bits] = parts;
    if (parts.length !== 2 || algorithm?.tag !== TAG.sequence || bits?.tag !== TAG.bitString) throw new Error('expected SEQUENCE { AlgorithmIdentifier, BIT STRING }');
    const [oid, parameters, ...extra] = childrenOf(spkiDer, algorithm);
    if (!oid || extra.length) throw new Error('malformed AlgorithmIdentifier');
    const content = contentOf(spkiDer, bits);
    if (content.length < 2 || content[0] !== 0) throw new Error('the key BIT STRING is empty or has unused bits');
    return { algorithm: readObjectIdentifier(spkiDer, oid), parameters: parameters && { bytes: spkiDer, element: parameters }, keyBits: content.subarray(1) };
  } catch (err) {
    throw invalid(`public key is not a DER SubjectPublicKeyInfo (${(err as Error).message})`);
  }
}

/** A positive INTEGER's magnitude, refusing non-minimal or negative encodings. */
function positiveInteger(bytes: Uint8Array, element: DerElement | undefined, what: string): Uint8Array {
  if (element?.tag !== TAG.integer) throw invalid(`RSA public key ${what} is missing`);
  const content = contentOf(bytes, element);
  if (content.length === 0 || content[0]! & 0x80) throw invalid(`RSA public key ${what} is not a positive integer`);
  if (content[0] === 0 && (content.length === 1 || !(content[1]! & 0x80))) throw invalid(`RSA public key ${what} is not minimally encoded`);
  return content[0] === 0 ? content.subarray(1) : content;
}

function bitLength(magnitude: Uint8Array): number {
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]!));
}

function rsaJwk(spki: SpkiFields): { jwk: JsonWebKey; bits: number } {
  const { parameters } = spki;
  if (!parameters || parameters.element.tag !== TAG.null || parameters.element.end !== parameters.element.contentStart) {
    throw invalid('RSA public key algorithm parameters must be NULL');
  }
  let fields;
  try {
    fields = childrenOf(spki.keyBits, readWhole(spki.keyBits, TAG.sequence));
  } catch (err) {
    throw invalid(`RSA public key is not a DER RSAPublicKey (${(err as Error).message})`);
  }
  if (fields.length !== 2) throw invalid('RSA public key must hold exactly a modulus and an exponent');
  const modulus = positiveInteger(spki.keyBits, fields[0], 'modulus');
  const exponent = positiveInteger(spki.keyBits, fields[1], 'exponent');
  const bits = bitLength(modulus);
  if (bits < RSA_BITS.min) {
    throw invalid(`RSA key of ${bits} bits is too small: at least ${RSA_BITS.min} bits are required (a raw SHA-512 proof of possession cannot fit in a smaller key)`);
  }
  if (bits > RSA_BITS.max) throw invalid(`RSA key of ${bits} bits is too large: at most ${RSA_BITS.max} bits are supported`);
  if (!(modulus[modulus.length - 1]! & 1)) throw invalid('RSA public key modulus is even');
  const e = exponent[exponent.length - 1]!;
  if (exponent.length > 8 || !(e & 1) || (exponent.length === 1 && e < 3)) throw invalid('RSA public key exponent must be odd, at least 3 and at most 64 bits');
  return { jwk: { kty: 'RSA', n: Buffer.from(modulus).toString('base64url'), e: Buffer.from(exponent).toString('base64url') }, bits };
}

function ecJwk(spki: SpkiFields): { jwk: JsonWebKey; curve: EcCurve } {
  const { parameters } = spki;
  if (parameters?.element.tag !== TAG.oid) throw invalid('EC public key must name its curve (explicit or implicit curve parameters are refused)');
  const curveOid = readObjectIdentifier(parameters.bytes, parameters.element);
  const known = CURVES.get(curveOid);
  if (!known) throw invalid(`EC curve ${curveOid} is not supported: use P-256, P-384 or P-521`);
  const point = spki.keyBits;
  const size = known.coordinateBytes;
  if (point[0] !== 0x04) throw invalid('EC public key point must be uncompressed (04 || X || Y)');
  if (point.length !== 1 + 2 * size) throw invalid(`EC public key point on ${known.curve} must be ${1 + 2 * size} bytes, not ${point.length}`);
  const x = Buffer.from(point.subarray(1, 1 + size)).toString('base64url');
  const y = Buffer.from(point.subarray(1 + size)).toString('base64url');
  return { jwk: { kty: 'EC', crv: known.curve, x, y }, curve: known.curve };
}

/** SHA-1 key identifier of a DER SPKI (the SKI of a certificate carrying it, the AKI of certificates it issues). */
export function subjectKeyIdentifier(spkiDer: Uint8Array): Uint8Array {
  return createHash('sha1').update(readSpki(spkiDer).keyBits).digest();
}

/**
 * Parses and checks a phone's SPKI: at most 2048 bytes, exactly one strict DER SubjectPublicKeyInfo, RSA 1024–4096
 * bits or EC P-256/P-384/P-521 with an uncompressed point, and key material OpenSSL accepts (EC points must lie on
 * the curve). Throws ValidationError (code INVALID_PUBLIC_KEY) saying what is wrong.
 *
 * The key reaches OpenSSL as a JWK built from the strictly parsed fields: that import costs a fraction of the DER
 * decoder's (~90 µs per key in Node 20, a third of an RSA-2048 signature), and issuance is the hot path.
 */
export function inspectPublicKey(spkiDer: Uint8Array): InspectedPublicKey {
  if (spkiDer.length > MAX_SPKI_BYTES) throw invalid(`public key of ${spkiDer.length} bytes exceeds the ${MAX_SPKI_BYTES}-byte bound`);
  const spki = readSpki(spkiDer);
  let parsed: { jwk: JsonWebKey; bits?: number; curve?: EcCurve };
  if (spki.algorithm === RSA_ENCRYPTION) parsed = rsaJwk(spki);
  else if (spki.algorithm === EC_PUBLIC_KEY) parsed = ecJwk(spki);
  else throw invalid(`key type ${OTHER_KEY_TYPES[spki.algorithm] ?? spki.algorithm} is not supported: RSA or EC only`);
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: parsed.jwk, format: 'jwk' });
  } catch (err) {
    throw invalid(`public key is not a valid ${spki.algorithm === RSA_ENCRYPTION ? 'RSA' : 'EC'} key: ${(err as Error).message}`);
  }
  const keyIdentifier = createHash('sha1').update(spki.keyBits).digest();
  const sha256Hex = createHash('sha256').update(spkiDer).digest('hex');
  return parsed.curve
    ? { keyType: 'ec', curve: parsed.curve, sha256Hex, keyObject, keyIdentifier }
    : { keyType: 'rsa', rsaBits: parsed.bits!, sha256Hex, keyObject, keyIdentifier };
}

/** Describes a phone's public key (see inspectPublicKey for what is refused). */
export function describePublicKey(spkiDer: Uint8Array): PublicKeyDescription {
  const { keyType, rsaBits, curve, sha256Hex } = inspectPublicKey(spkiDer);
  return keyType === 'rsa' ? { keyType, rsaBits, sha256Hex } : { keyType, curve, sha256Hex };
}
