// A CaSigner whose key never leaves AWS KMS (F1, HSM-backed). Every signature KMS returns is verified locally with the
// key's public half before it goes into a certificate, so a wrong key, algorithm or encoding can never reach a phone.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { KMSClient, SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { ConfigError, errorName, IssuerError } from '../../errors.ts';
import type { CaSigner } from '../../ports/index.ts';
import { kmsSdk } from '../aws-sdk.ts';
import type { KmsMessageType } from './kms-message-type.ts';

export type { KmsMessageType } from './kms-message-type.ts';

/** KMS Sign accepts a RAW message of at most 4096 bytes. */
export const KMS_MAX_RAW_MESSAGE_BYTES = 4096;

export interface KmsCaSigner extends CaSigner {
  readonly keyId: string;
  /** DER SubjectPublicKeyInfo of the KMS key (GetPublicKey). */
  readonly publicKeyDer: Uint8Array;
  readonly signingAlgorithm: SigningAlgorithmSpec;
}

export interface KmsSignerOptions {
  /** DIGEST (default): we hash with SHA-256 and KMS signs the digest. RAW: KMS hashes the message itself. */
  messageType?: KmsMessageType;
}

/**
 * LSCs are signed with SHA-256 (F5), so only key specs with a SHA-256 signing algorithm are usable; and the key is also
 * the CAPF certificate's, which phones verify only with RSA of at most 2048 bits (CAPF_CA_RSA_BITS), so no RSA_3072/4096.
 */
const SIGNING_ALGORITHM_BY_SPEC: Readonly<Record<string, { keyType: 'rsa' | 'ec'; algorithm: SigningAlgorithmSpec }>> = {
  RSA_2048: { keyType: 'rsa', algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' },
  ECC_NIST_P256: { keyType: 'ec', algorithm: 'ECDSA_SHA_256' },
};
const ALLOWED_SPECS = Object.keys(SIGNING_ALGORITHM_BY_SPEC).join(' or ');


async function describeKey(client: KMSClient, keyId: string) {
  const { GetPublicKeyCommand } = await kmsSdk();
  try {
    return await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  } catch (error) {
    const name = errorName(error);
    if (name === 'NotFoundException' || name === 'InvalidArnException' || name === 'DisabledException' || name === 'KMSInvalidStateException') {
      throw new ConfigError(`KMS key ${keyId} cannot be used for signing (${name}); check CAPF_KMS_KEY_ID`, 'KMS_KEY');
    }
    throw new IssuerError(`KMS GetPublicKey for ${keyId} failed (${name})`, 'KMS_UNAVAILABLE', { cause: error });
  }
}

/**
 * Builds a signer over the KMS key `keyId` (key id, ARN or alias). The key must be SIGN_VERIFY and RSA_2048 or
 * ECC_NIST_P256; signatures are RSASSA_PKCS1_V1_5_SHA_256 or ECDSA_SHA_256 (DER), as X.509 wants.
 */
export async function createKmsSigner(client: KMSClient, keyId: string, options: KmsSignerOptions = {}): Promise<KmsCaSigner> {
  const messageType = options.messageType ?? 'DIGEST';
  const described = await describeKey(client, keyId);
  const spec = described.KeySpec ?? described.CustomerMasterKeySpec ?? '';
  const choice = SIGNING_ALGORITHM_BY_SPEC[spec];
  if (described.KeyUsage !== undefined && described.KeyUsage !== 'SIGN_VERIFY') {
    throw new ConfigError(`KMS key ${keyId} has usage ${described.KeyUsage}; the CAPF CA needs a SIGN_VERIFY key`, 'KMS_KEY');
  }
  if (!choice) {
    throw new ConfigError(`KMS key ${keyId} is ${spec || 'of an unknown spec'}; the CAPF CA needs ${ALLOWED_SPECS} (LSCs are signed with SHA-256; phones verify RSA keys of at most 2048 bits)`, 'KMS_KEY');
  }
  if (described.SigningAlgorithms && !described.SigningAlgorithms.includes(choice.algorithm)) {
    throw new ConfigError(`KMS key ${keyId} does not offer ${choice.algorithm}`, 'KMS_KEY');
  }
  if (!described.PublicKey) throw new IssuerError(`KMS GetPublicKey for ${keyId} returned no public key`, 'KMS_UNAVAILABLE');
  const publicKeyDer = new Uint8Array(described.PublicKey);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  } catch (error) {
    throw new IssuerError(`KMS public key of ${keyId} does not parse`, 'KMS_UNAVAILABLE', { cause: error });
  }
  if (publicKey.asymmetricKeyType !== choice.keyType) {
    throw new ConfigError(`KMS key ${keyId} claims ${spec} but its public key is ${publicKey.asymmetricKeyType ?? 'unknown'}`, 'KMS_KEY');
  }

  const sign = async (data: Uint8Array): Promise<Uint8Array> => {
    if (messageType === 'RAW' && data.length > KMS_MAX_RAW_MESSAGE_BYTES) {
      throw new IssuerError(`data of ${data.length} bytes is over the ${KMS_MAX_RAW_MESSAGE_BYTES}-byte limit of a RAW KMS Sign; use DIGEST`, 'KMS_MESSAGE_TOO_LARGE');
    }
    const message = messageType === 'RAW' ? data : createHash('sha256').update(data).digest();
    let signature: Uint8Array;
    const { SignCommand } = await kmsSdk();
    try {
      const answer = await client.send(new SignCommand({ KeyId: keyId, Message: message, MessageType: messageType, SigningAlgorithm: choice.algorithm }));
      if (!answer.Signature) throw new IssuerError(`KMS Sign with ${keyId} returned no signature`, 'KMS_UNAVAILABLE');
      signature = new Uint8Array(answer.Signature);
    } catch (error) {
      if (error instanceof IssuerError) throw error;
      throw new IssuerError(`KMS Sign with ${keyId} failed (${errorName(error)})`, 'KMS_UNAVAILABLE', { cause: error });
    }
    // KMS returns DER ECDSA, as X.509 wants; verify() answers false for anything else (malformed DER included).
    if (!verify('sha256', data, publicKey, signature)) {
      throw new IssuerError(`the signature KMS returned for ${keyId} does not verify with the key's public key (${messageType} ${choice.algorithm})`, 'KMS_BAD_SIGNATURE');
    }
    return signature;
  };

  return { keyType: choice.keyType, keyId, publicKeyDer, signingAlgorithm: choice.algorithm, sign };
}
