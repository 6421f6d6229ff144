import { createECDH, createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { ValidationError } from '../../../shared/errors.ts';
import { bitString, objectIdentifier, sequence, tlv, TAG, unsignedInteger } from '../../../shared/pki/der.ts';
import { describePublicKey, inspectPublicKey, MAX_SPKI_BYTES, subjectKeyIdentifier } from '../../../shared/pki/spki.ts';
import { pemToDer } from '../../../shared/pki/certificate.ts';
import { keyPair, openssl, spkiOf } from './support.ts';

const RSA_OID = '1.2.840.113549.1.1.1';
const NULL = Uint8Array.of(TAG.null, 0);

function rsaSpki(modulusContent: Uint8Array, exponentContent: Uint8Array, parameters: Uint8Array[] = [NULL]): Uint8Array {
  const key = sequence(tlv(TAG.integer, modulusContent), tlv(TAG.integer, exponentContent));
  return sequence(sequence(objectIdentifier(RSA_OID), ...parameters), bitString(key));
}

function ecSpki(curveOid: string, point: Uint8Array): Uint8Array {
  return sequence(sequence(objectIdentifier('1.2.840.10045.2.1'), objectIdentifier(curveOid)), bitString(point));
}

function refusal(spki: Uint8Array): ValidationError {
  try {
    describePublicKey(spki);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe('INVALID_PUBLIC_KEY');
    return err as ValidationError;
  }
  throw new Error('the public key was accepted');
}

const rsa2048 = spkiOf(keyPair({ type: 'rsa', bits: 2048 }).publicKey);
const p256 = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);

describe('describePublicKey accepts what an LSC may carry', () => {
  it.each([1024, 2048, 3072, 4096])('RSA %i', (bits) => {
    const spki = spkiOf(keyPair({ type: 'rsa', bits }).publicKey);
    expect(describePublicKey(spki)).toEqual({ keyType: 'rsa', rsaBits: bits, sha256Hex: createHash('sha256').update(spki).digest('hex') });
  });

  it.each(['P-256', 'P-384', 'P-521'] as const)('EC %s', (curve) => {
    const spki = spkiOf(keyPair({ type: 'ec', curve }).publicKey);
    expect(describePublicKey(spki)).toEqual({ keyType: 'ec', curve, sha256Hex: createHash('sha256').update(spki).digest('hex') });
  });

  it('gives the same key OpenSSL decodes from the DER', () => {
    for (const spki of [rsa2048, p256]) {
      const viaDer = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      const inspected = inspectPublicKey(spki);
      expect(inspected.keyObject.equals(viaDer)).toBe(true);
      expect(Buffer.from(inspected.keyObject.export({ format: 'der', type: 'spki' })).equals(spki)).toBe(true);
    }
  });

  it('computes the key identifier as SHA-1 of the subjectPublicKey bits', () => {
    for (const spki of [rsa2048, p256]) {
      const bits = AsnConvert.parse(spki, SubjectPublicKeyInfo).subjectPublicKey;
      const expected = createHash('sha1').update(new Uint8Array(bits)).digest('hex');
      expect(Buffer.from(subjectKeyIdentifier(spki)).toString('hex')).toBe(expected);
      expect(Buffer.from(inspectPublicKey(spki).keyIdentifier).toString('hex')).toBe(expected);
    }
  });
});

describe('describePublicKey refuses, saying why', () => {
  it('RSA 512, because a raw SHA-512 proof cannot fit in it', () => {
    const spki = spkiOf(generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey);
    expect(refusal(spki).message).toBe('RSA key of 512 bits is too small: at least 1024 bits are required (a raw SHA-512 proof of possession cannot fit in a smaller key)');
  });

  it('RSA 1023 and RSA over 4096 bits', () => {
    const modulus1023 = Buffer.alloc(128, 0xff);
    modulus1023[0] = 0x7f;
    expect(refusal(rsaSpki(modulus1023, Uint8Array.of(1, 0, 1))).message).toMatch(/^RSA key of 1023 bits is too small/);
    const modulus4104 = Buffer.concat([Uint8Array.of(0), Buffer.alloc(513, 0xff)]);
    expect(refusal(rsaSpki(modulus4104, Uint8Array.of(1, 0, 1))).message).toBe('RSA key of 4104 bits is too large: at most 4096 bits are supported');
  });

  it('key types other than RSA and EC', () => {
    expect(refusal(spkiOf(generateKeyPairSync('ed25519').publicKey)).message).toBe('key type Ed25519 is not supported: RSA or EC only');
    expect(refusal(spkiOf(generateKeyPairSync('x25519').publicKey)).message).toBe('key type X25519 is not supported: RSA or EC only');
    expect(refusal(spkiOf(generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).publicKey)).message).toBe('key type RSA-PSS is not supported: RSA or EC only');
  });

  it('curves other than P-256, P-384 and P-521', () => {
    const k1 = spkiOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey);
    expect(refusal(k1).message).toBe('EC curve 1.3.132.0.10 is not supported: use P-256, P-384 or P-521');
  });

  it('explicit curve parameters', () => {
    const pem = keyPair({ type: 'ec', curve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const explicit = pemToDer(openssl(['ec', '-pubin', '-param_enc', 'explicit'], pem), 'PUBLIC KEY');
    expect(createPublicKey({ key: Buffer.from(explicit), format: 'der', type: 'spki' }).asymmetricKeyType).toBe('ec');
    expect(refusal(explicit).message).toMatch(/must name its curve/);
  });

  it('compressed, short and off-curve EC points', () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const compressed = ecdh.getPublicKey(null, 'compressed');
    expect(refusal(ecSpki('1.2.840.10045.3.1.7', compressed)).message).toBe('EC public key point must be uncompressed (04 || X || Y)');
    const uncompressed = ecdh.getPublicKey();
    expect(refusal(ecSpki('1.2.840.10045.3.1.7', uncompressed.subarray(0, 64))).message).toBe('EC public key point on P-256 must be 65 bytes, not 64');
    const offCurve = Buffer.from(uncompressed);
    offCurve[64]! ^= 1;
    expect(refusal(ecSpki('1.2.840.10045.3.1.7', offCurve)).message).toMatch(/^public key is not a valid EC key/);
  });

  it('malformed RSA key fields', () => {
    const modulus = Buffer.concat([Uint8Array.of(0), Buffer.alloc(128, 0xff)]);
    const e = Uint8Array.of(1, 0, 1);
    expect(refusal(rsaSpki(modulus, e, [])).message).toBe('RSA public key algorithm parameters must be NULL');
    expect(refusal(rsaSpki(modulus.subarray(1), e)).message).toBe('RSA public key modulus is not a positive integer');
    expect(refusal(rsaSpki(Buffer.concat([Uint8Array.of(0), modulus]), e)).message).toBe('RSA public key modulus is not minimally encoded');
    const even = Buffer.from(modulus);
    even[even.length - 1] = 0xfe;
    expect(refusal(rsaSpki(even, e)).message).toBe('RSA public key modulus is even');
    expect(refusal(rsaSpki(modulus, Uint8Array.of(1))).message).toMatch(/exponent must be odd, at least 3/);
    expect(refusal(rsaSpki(modulus, Uint8Array.of(1, 0, 0))).message).toMatch(/exponent must be odd/);
  });

  it('anything that is not exactly one DER SubjectPublicKeyInfo', () => {
    expect(refusal(new Uint8Array()).message).toMatch(/^public key is not a DER SubjectPublicKeyInfo/);
    expect(refusal(Buffer.from('not a key')).message).toMatch(/^public key is not a DER SubjectPublicKeyInfo/);
    expect(refusal(Buffer.concat([rsa2048, Uint8Array.of(0, 0)])).message).toMatch(/trailing bytes/);
    const unusedBits = Buffer.from(p256);
    unusedBits[p256.length - 66] = 1; // the unused-bits byte of the BIT STRING
    expect(refusal(unusedBits).message).toMatch(/unused bits/);
  });

  it('more than 2048 bytes, before parsing', () => {
    const big = new Uint8Array(MAX_SPKI_BYTES + 1);
    expect(refusal(big).message).toBe(`public key of ${MAX_SPKI_BYTES + 1} bytes exceeds the ${MAX_SPKI_BYTES}-byte bound`);
  });

  it('never accepts a key OpenSSL would not decode from the same DER (mutation fuzz)', () => {
    const seeds = [rsa2048, p256, spkiOf(keyPair({ type: 'ec', curve: 'P-384' }).publicKey)];
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits, cut }) => {
        let bytes = Buffer.from(seeds[seed]!);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        if (cut !== undefined) bytes = bytes.subarray(0, cut % bytes.length);
        let description;
        try {
          description = describePublicKey(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
          return;
        }
        const viaDer = createPublicKey({ key: bytes, format: 'der', type: 'spki' });
        expect(viaDer.asymmetricKeyType).toBe(description.keyType);
        if (description.keyType === 'rsa') expect(viaDer.asymmetricKeyDetails?.modulusLength).toBe(description.rsaBits);
      }),
      { numRuns: 2000 },
    );
  });
});

it('unsignedInteger-built moduli parse like real ones', () => {
  // Sanity check of the test helper against a real key: rebuilding the SPKI from its parts gives the same bytes.
  const jwk = keyPair({ type: 'rsa', bits: 2048 }).publicKey.export({ format: 'jwk' });
  const n = Buffer.from(jwk.n!, 'base64url');
  const e = Buffer.from(jwk.e!, 'base64url');
  const der = unsignedInteger(n);
  const rebuilt = rsaSpki(der.subarray(der.length - n.length - (n[0]! & 0x80 ? 1 : 0)), e);
  expect(Buffer.from(rebuilt).equals(rsa2048)).toBe(true);
});
