// The phone's own key pair: what the server asked for (KEY_SIZE / KEY_TYPE / CURVE), generating it, the provisional
// CSR flow's PKCS#10 request, and checking that a certificate the server stores carries that key.
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, generateKeyPair, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { CurveCode, KeyType, type MessageFields } from '../../shared/protocol/index.ts';
import type { EcCurve } from '../../shared/model.ts';
import { PhoneSimulatorError } from './types.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeySpec = { keyType: 'rsa'; bits: number } | { keyType: 'ec'; curve: EcCurve };

/** What a phone can make: `capfctl` offers RSA 512–4096 (docs/protocol.md §7). */
const RSA_BITS = { min: 512, max: 4096 } as const;

const CURVE_BY_CODE = new Map<number, EcCurve>(Object.entries(CurveCode).map(([name, code]) => [code, name as EcCurve]));

export interface PhoneKey {
  spec: KeySpec;
  privateKey: KeyObject;
  /** DER SubjectPublicKeyInfo, as sent in PUBLIC_KEY. */
  spkiDer: Buffer;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
}

/** Reads the key request of KEY_GENERATE_REQUEST / SIGN_CERTIFICATE_REQUEST; KEY_SIZE without KEY_TYPE means RSA (CUCM). */
export function keySpecFromRequest(fields: MessageFields): KeySpec {
  if (fields.keyType === KeyType.Ec) {
    const curve = fields.curve === undefined ? undefined : CURVE_BY_CODE.get(fields.curve);
    if (!curve) throw new PhoneSimulatorError(`EC key requested with ${fields.curve === undefined ? 'no CURVE' : `unknown CURVE ${fields.curve}`}`, 'PHONE_KEY_REQUEST');
    return { keyType: 'ec', curve };
  }
  if (fields.keyType !== undefined && fields.keyType !== KeyType.Rsa) {
    throw new PhoneSimulatorError(`unknown KEY_TYPE ${fields.keyType}`, 'PHONE_KEY_REQUEST');
  }
  const bits = fields.keySize;
  if (bits === undefined) throw new PhoneSimulatorError('RSA key requested without KEY_SIZE', 'PHONE_KEY_REQUEST');
  if (bits < RSA_BITS.min || bits > RSA_BITS.max || bits % 8 !== 0) {
    throw new PhoneSimulatorError(`RSA key size ${bits} is not one a phone makes (${RSA_BITS.min}–${RSA_BITS.max})`, 'PHONE_KEY_REQUEST');
  }
  return { keyType: 'rsa', bits };
}

export async function generatePhoneKey(spec: KeySpec): Promise<PhoneKey> {
  const { privateKey, publicKey } =
    spec.keyType === 'rsa'
      ? await generateKeyPairAsync('rsa', { modulusLength: spec.bits })
      : await generateKeyPairAsync('ec', { namedCurve: spec.curve });
  return {
    spec,
    privateKey,
    spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** A key the phone generated in an earlier session (offline CA: the certificate arrives later). */
export function phoneKeyFromPem(privateKeyPem: string): PhoneKey {
  const privateKey = createPrivateKey(privateKeyPem);
  const details = privateKey.asymmetricKeyDetails;
  let spec: KeySpec;
  if (privateKey.asymmetricKeyType === 'rsa') spec = { keyType: 'rsa', bits: details?.modulusLength ?? 0 };
  else if (privateKey.asymmetricKeyType === 'ec') spec = { keyType: 'ec', curve: curveFromNodeName(details?.namedCurve) };
  else throw new PhoneSimulatorError(`a phone key is RSA or EC, not ${privateKey.asymmetricKeyType ?? 'unknown'}`, 'PHONE_KEY');
  return {
    spec,
    privateKey,
    spkiDer: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

function curveFromNodeName(name: string | undefined): EcCurve {
  switch (name) {
    case 'prime256v1':
      return 'P-256';
    case 'secp384r1':
      return 'P-384';
    case 'secp521r1':
      return 'P-521';
    default:
      throw new PhoneSimulatorError(`curve ${name ?? 'unknown'} is not one CAPF uses`, 'PHONE_KEY');
  }
}

/** The key pair as WebCrypto keys for @peculiar/x509, with the SHA-256 signing algorithm that fits it. */
export async function webCryptoSigningKeys(privateKey: KeyObject): Promise<{ keys: webcrypto.CryptoKeyPair; signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams }> {
  const subtle = webcrypto.subtle;
  const rsa = privateKey.asymmetricKeyType === 'rsa';
  const importAlgorithm = rsa
    ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: curveFromNodeName(privateKey.asymmetricKeyDetails?.namedCurve) };
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const keys = {
    privateKey: await subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), importAlgorithm, false, ['sign']),
    publicKey: await subtle.importKey('spki', spki, importAlgorithm, true, ['verify']),
  };
  return { keys, signingAlgorithm: rsa ? importAlgorithm : { name: 'ECDSA', hash: 'SHA-256' } };
}

/** The WebCrypto implementation @peculiar/x509 should use (Node's, not a global one someone else set). */
export const x509Crypto = webcrypto as unknown as NonNullable<Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[1]>;

/** DER PKCS#10 with subject CN=<device name>, signed with SHA-256 by the phone's new key. */
export async function buildCsr(key: PhoneKey, commonName: string): Promise<Uint8Array> {
  const { keys, signingAlgorithm } = await webCryptoSigningKeys(key.privateKey);
  const request = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [commonName] }], keys, signingAlgorithm }, x509Crypto);
  return new Uint8Array(request.rawData);
}

/** The certificate as PEM and its SubjectPublicKeyInfo DER (PhoneSimulatorError when it does not parse). */
export function readCertificate(certificateDer: Uint8Array): { pem: string; spkiDer: Buffer } {
  try {
    const certificate = new X509Certificate(certificateDer);
    return { pem: certificate.toString(), spkiDer: certificate.publicKey.export({ type: 'spki', format: 'der' }) };
  } catch (error) {
    throw new PhoneSimulatorError(`the certificate does not parse: ${(error as Error).message}`, 'PHONE_CERTIFICATE', { cause: error });
  }
}
