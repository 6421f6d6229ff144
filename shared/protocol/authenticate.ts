// Authentication of AUTH_RESPONSE against the device's policy (docs/protocol.md §4.2–§4.4, features F8).
// Pure: certificates and keys come in as bytes; nothing is read from disk or network.
import { X509Certificate, createHash, constants, publicDecrypt, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { AuthenticationError } from '../errors.ts';
import { peerText } from '../peer-text.ts';
import { certificateNamesDevice } from '../pki/chain.ts';
import { judgeCertificate, judgeTrusted, type CertificateRules } from './certificate-rules.ts';
import type { Device } from '../model.ts';
import { authStringMatches, isHashedAuthString } from '../domain/auth-string.ts';
import { HashAlgorithm } from './constants.ts';
import type { MessageFields } from './elements.ts';

export interface AuthenticationContext extends CertificateRules {
  sessionId: number;
  /** CAPF-trust: the CAPF CA and every CA an administrator trusts for MIC/LSC authentication. */
  trustAnchorsDer: readonly Uint8Array[];
  /** Refuse a certificate that does not name the device (scenario 10). */
  requireNameMatch: boolean;
  /** The deployment's key for authentication strings (stored as its HMAC-SHA-256); without it auth-string mode refuses. */
  authStringKey?: Uint8Array;
}

export interface AuthenticationResult {
  method: 'null-string' | 'auth-string' | 'certificate';
  /** Subject of the certificate that authenticated, for the log. */
  certificateSubject?: string;
}

// DigestInfo prefixes, for phones that sign the standard RSASSA-PKCS1-v1_5 form instead of the raw digest.
const DIGEST_INFO_PREFIX = {
  sha1: Buffer.from('3021300906052b0e03021a05000414', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
} as const;

/**
 * auth_data, what SIGNED_DATA and SHA2_SIGNED_DATA sign (§4.3): DEVICE_NAME ‖ 0x00 ‖ the presented certificate's DER.
 * The name is taken as the session holds it, one character per wire byte (latin1); a valid name is ASCII.
 */
export function certificateAuthData(deviceName: string, certificateDer: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(deviceName, 'latin1'), Buffer.of(0), certificateDer]);
}

/** What both SUDI signatures sign (§4.4): the session id little-endian (Cisco's server used host byte order) ‖ SUDI DER. */
export function sudiSignedData(sessionId: number, sudiCertificateDer: Uint8Array): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32LE(sessionId >>> 0, 0);
  return Buffer.concat([id, sudiCertificateDer]);
}

export function authenticate(device: Device, fields: MessageFields, context: AuthenticationContext): AuthenticationResult {
  switch (device.authMode) {
    case 'null-string':
      return { method: 'null-string' };
    case 'auth-string':
      checkAuthString(device, fields, context.authStringKey);
      return { method: 'auth-string' };
    case 'lsc-precedence':
    case 'mic-precedence':
      return checkCertificate(device, fields, context);
  }
}

function checkAuthString(device: Device, fields: MessageFields, key: Uint8Array | undefined): void {
  if (!device.authString) throw new AuthenticationError('the device has no authentication string set', 'AUTH_STRING_NOT_SET');
  if (!fields.password || fields.password.length === 0) throw new AuthenticationError('the phone sent no authentication string', 'AUTH_STRING_MISSING');
  if (isHashedAuthString(device.authString)) {
    if (!key) throw new AuthenticationError('the listener has no authentication string key to check the string with', 'AUTH_STRING_KEY_MISSING');
    // HMAC of what the phone sent, compared with the stored one in constant time.
    if (!authStringMatches(device.authString, fields.password, key)) throw new AuthenticationError('the authentication string does not match', 'AUTH_STRING_MISMATCH');
    return;
  }
  // A string stored in clear (an older record, or a path without the key): digests compared in constant time.
  const expected = createHash('sha256').update(device.authString, 'utf8').digest();
  const given = createHash('sha256').update(fields.password).digest();
  if (!timingSafeEqual(expected, given)) throw new AuthenticationError('the authentication string does not match', 'AUTH_STRING_MISMATCH');
}

function checkCertificate(device: Device, fields: MessageFields, context: AuthenticationContext): AuthenticationResult {
  const wanted = device.authMode === 'lsc-precedence' ? 'an LSC (or its MIC)' : 'a MIC (or its LSC)';
  if (!fields.certificate) {
    throw new AuthenticationError(`authentication by existing certificate needs ${wanted}, and the phone sent none`, 'CERTIFICATE_MISSING');
  }
  if (!fields.signedData || !fields.sha2SignedData) {
    throw new AuthenticationError('certificate authentication needs both SIGNED_DATA and SHA2_SIGNED_DATA', 'PROOF_MISSING');
  }
  if (fields.sha2SignedData.hashAlgorithm !== HashAlgorithm.Sha512) {
    throw new AuthenticationError(`SHA2_SIGNED_DATA hash algorithm ${fields.sha2SignedData.hashAlgorithm} is not SHA-512 (3)`, 'BAD_HASH_ALGORITHM');
  }
  const deviceName = fields.deviceName ?? device.name;
  const certificate = parseCertificate(fields.certificate.der, 'the presented certificate');
  // Another device's certificate is refused as such first: the status then names the mix-up, not the certificate's state.
  if (context.requireNameMatch && !certificateNamesDevice(fields.certificate.der, deviceName)) {
    throw new AuthenticationError(`the presented certificate (${peerText(certificate.subject.replace(/\n/g, ', '))}) belongs to another device`, 'CERTIFICATE_OTHER_DEVICE');
  }
  judgeCertificate(device, fields.certificate.der, context);
  const authData = certificateAuthData(deviceName, fields.certificate.der);
  const publicKey = certificate.publicKey;
  verifyProof(publicKey, authData, 'sha1', fields.signedData, 'SIGNED_DATA');
  verifyProof(publicKey, authData, 'sha512', fields.sha2SignedData.signature, 'SHA2_SIGNED_DATA');

  if (fields.sudi) {
    if (fields.sudi.sha2Signature.kind !== HashAlgorithm.Sha512) {
      throw new AuthenticationError('SUDI SHA-2 signature is not SHA-512', 'BAD_HASH_ALGORITHM');
    }
    const sudi = parseCertificate(fields.sudi.certificate.data, 'the SUDI certificate');
    judgeTrusted(fields.sudi.certificate.data, context, 'the SUDI certificate');
    const sudiData = sudiSignedData(context.sessionId, fields.sudi.certificate.data);
    verifyProof(sudi.publicKey, sudiData, 'sha1', fields.sudi.sha1Signature.data, 'SUDI SHA-1 signature');
    verifyProof(sudi.publicKey, sudiData, 'sha512', fields.sudi.sha2Signature.data, 'SUDI SHA-512 signature');
  }
  return { method: 'certificate', certificateSubject: peerText(certificate.subject.replace(/\n/g, ', ')) };
}

function parseCertificate(der: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new AuthenticationError(`${what} is not a valid X.509 certificate`, 'CERTIFICATE_INVALID');
  }
}

function verifyProof(publicKey: KeyObject, data: Buffer, hash: 'sha1' | 'sha512', signature: Uint8Array, what: string): void {
  const ok = publicKey.asymmetricKeyType === 'rsa' ? verifyRawRsa(publicKey, data, hash, signature) : verifyEcdsa(publicKey, data, hash, signature);
  if (!ok) throw new AuthenticationError(`${what} does not verify with the certificate's key`, 'PROOF_INVALID');
}

/** §4.3: RSA private-key operation over a PKCS#1 type-1 block holding the raw digest (DigestInfo form also accepted). */
function verifyRawRsa(publicKey: KeyObject, data: Buffer, hash: 'sha1' | 'sha512', signature: Uint8Array): boolean {
  const digest = createHash(hash).update(data).digest();
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  if (recovered.length === digest.length) return timingSafeEqual(recovered, digest);
  const withInfo = Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]);
  return recovered.length === withInfo.length && timingSafeEqual(recovered, withInfo);
}

function verifyEcdsa(publicKey: KeyObject, data: Buffer, hash: 'sha1' | 'sha512', signature: Uint8Array): boolean {
  try {
    return verify(hash, data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
