// AUTH_RESPONSE as a phone builds it (docs/protocol.md §4.2–§4.4, element order of §9), with its proofs of possession.
import { createHash, createPrivateKey, createPublicKey, privateEncrypt, sign, X509Certificate, constants, type KeyObject } from 'node:crypto';
import { HashAlgorithm, Reason, Tag, certificateAuthData, element, sudiSignedData, type Element } from '../../shared/protocol/index.ts';
import { ConfigError } from '../../shared/errors.ts';
import { certificateHasKey } from '../../shared/pki/certificate-key.ts';
import { PhoneSimulatorError, type CertificateAndKey, type PhoneAuth, type PhoneMisbehaviour } from './types.ts';

/** The SUDI block kinds the reference client writes: certificate, SHA-1 signature, SHA-512 signature. */
const SUDI_KIND = { certificate: 0, sha1: 1, sha512: HashAlgorithm.Sha512 } as const;

interface LoadedCredential {
  der: Buffer;
  privateKey: KeyObject;
}

/** Parses a certificate and its key, and checks that they belong together (a mistake worth a clear message). */
export function loadCredential(credential: CertificateAndKey, what: string): LoadedCredential {
  let certificate: X509Certificate;
  let privateKey: KeyObject;
  try {
    certificate = new X509Certificate(credential.certificatePem);
    privateKey = createPrivateKey(credential.privateKeyPem);
  } catch (error) {
    throw new ConfigError(`the ${what} certificate or key does not parse: ${(error as Error).message}`, 'PHONE_CREDENTIAL');
  }
  if (!certificateHasKey(certificate.raw, createPublicKey(privateKey).export({ type: 'spki', format: 'der' }))) {
    throw new ConfigError(`the ${what} private key does not belong to its certificate`, 'PHONE_CREDENTIAL');
  }
  if (privateKey.asymmetricKeyType !== 'rsa' && privateKey.asymmetricKeyType !== 'ec') {
    throw new ConfigError(`the ${what} key must be RSA or EC`, 'PHONE_CREDENTIAL');
  }
  return { der: Buffer.from(certificate.raw), privateKey };
}

/**
 * RSA: the private-key operation over a PKCS#1 type-1 block holding the RAW digest (no DigestInfo), as phones do (§4.3).
 * EC: ECDSA over the data, DER Ecdsa-Sig-Value.
 */
function signLikePhone(privateKey: KeyObject, hash: 'sha1' | 'sha512', data: Uint8Array): Buffer {
  if (privateKey.asymmetricKeyType === 'ec') return sign(hash, data, { key: privateKey, dsaEncoding: 'der' });
  const digest = createHash(hash).update(data).digest();
  try {
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digest);
  } catch (error) {
    // A 512-bit key cannot hold a raw SHA-512 block (k ≥ 64 + 11 bytes), §4.3.
    throw new PhoneSimulatorError(`cannot sign a raw ${hash} digest with this RSA key: ${(error as Error).message}`, 'PHONE_SIGN', { cause: error });
  }
}

function corrupt(signature: Buffer): Buffer {
  const copy = Buffer.from(signature);
  copy[copy.length >> 1] = (copy[copy.length >> 1] as number) ^ 0x01;
  return copy;
}

/** The id whose little-endian bytes are `sessionId` big-endian: the SUDI data of a phone that gets the order wrong. */
function byteSwapped(sessionId: number): number {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(sessionId >>> 0);
  return bytes.readUInt32LE();
}

/** CERTIFICATE, SIGNED_DATA, SHA2_SIGNED_DATA and optionally SUDI_DATA for certificate authentication. */
function certificateProofElements(
  auth: Extract<PhoneAuth, { mode: 'certificate' }>,
  deviceName: string,
  sessionId: number,
  misbehave: PhoneMisbehaviour,
): Element[] {
  const credential = loadCredential(auth, 'authentication');
  const authData = certificateAuthData(deviceName, credential.der);
  const which = misbehave.corruptSignature;
  let sha1 = signLikePhone(credential.privateKey, 'sha1', authData);
  let sha512 = signLikePhone(credential.privateKey, 'sha512', authData);
  if (which === true || which === 'sha1') sha1 = corrupt(sha1);
  if (which === true || which === 'sha512') sha512 = corrupt(sha512);
  const elements = [
    element.certificate(credential.der, auth.certificateType ?? 1),
    element.signedData(sha1),
    // A correct SHA-512 signature labelled with another hash algorithm, when asked (the server must refuse it).
    element.sha2SignedData(misbehave.sha2HashAlgorithm ?? HashAlgorithm.Sha512, sha512),
  ];
  if (auth.sudi) {
    const sudi = loadCredential(auth.sudi, 'SUDI');
    const signed = sudiSignedData(misbehave.sudiBigEndian ? byteSwapped(sessionId) : sessionId, sudi.der);
    const sudiSign = (hash: 'sha1' | 'sha512'): Buffer => {
      const signature = signLikePhone(sudi.privateKey, hash, signed);
      return which === 'sudi' ? corrupt(signature) : signature;
    };
    elements.push(
      element.sudi({
        certificate: { kind: SUDI_KIND.certificate, data: sudi.der },
        sha1Signature: { kind: SUDI_KIND.sha1, data: sudiSign('sha1') },
        sha2Signature: { kind: SUDI_KIND.sha512, data: sudiSign('sha512') },
      }),
    );
  }
  return elements;
}

export interface AuthResponseInput {
  deviceName: string;
  sessionId: number;
  version: number;
  auth: PhoneAuth;
  misbehave: PhoneMisbehaviour;
}

/**
 * Version 3: REASON=1, VERSION, DEVICE_NAME, PASSWORD (empty when none, like the reference client), then the
 * certificate proofs. Version 2 acts like Jabber in the CUCM capture: VERSION, DEVICE_NAME, REASON, and PASSWORD
 * only when there is one.
 */
export function authResponseElements(input: AuthResponseInput): Element[] {
  const { auth, misbehave } = input;
  const password = auth.mode === 'password' ? auth.password : '';
  const elements: Element[] =
    input.version === 2
      ? [element.version(2), element.deviceName(input.deviceName), element.reason(Reason.UpdateCertificate)]
      : [element.reason(Reason.UpdateCertificate), element.version(input.version), element.deviceName(input.deviceName)];
  if (!misbehave.omitPassword && (input.version !== 2 || password !== '')) elements.push(element.password(password));
  if (auth.mode === 'certificate') elements.push(...certificateProofElements(auth, input.deviceName, input.sessionId, misbehave));
  if (misbehave.unknownTags) elements.push(element.raw(Tag.DigestType, Uint8Array.of(1)), element.raw(99, Uint8Array.of(0xca, 0xfe)));
  return elements;
}
