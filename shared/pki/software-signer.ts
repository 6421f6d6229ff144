// A CaSigner over a private key held in memory (the CAPF CA's software key).
import { sign, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.ts';
import type { CaSigner } from '../ports/index.ts';

/**
 * SHA-256 with RSA PKCS#1 v1.5 or ECDSA (DER Ecdsa-Sig-Value), the encodings X.509 signatureValue expects.
 * Signs synchronously: one RSA-2048 signature takes about 0.2 ms, and the thread-pool round trip of the callback form
 * costs ~10 % of the signing rate for nothing in return at CAPF's request rates.
 */
export function createSoftwareSigner(privateKey: KeyObject): CaSigner {
  if (privateKey.type !== 'private') throw new ConfigError(`the CA signing key must be a private key, not a ${privateKey.type} key`, 'CA_KEY');
  const type = privateKey.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') throw new ConfigError(`the CA signing key must be RSA or EC, not ${type ?? 'unknown'}`, 'CA_KEY');
  return {
    keyType: type,
    privateKey,
    sign: async (data: Uint8Array): Promise<Uint8Array> => sign('sha256', data, privateKey),
  };
}
