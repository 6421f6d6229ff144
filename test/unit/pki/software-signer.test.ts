import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { createSoftwareSigner } from '../../../shared/pki/software-signer.ts';
import { keyPair } from './support.ts';

const data = Buffer.from('tbsCertificate bytes');

describe('createSoftwareSigner', () => {
  it('signs SHA-256 RSA PKCS#1 v1.5 (deterministic, modulus-sized)', async () => {
    const { publicKey, privateKey } = keyPair({ type: 'rsa', bits: 2048 });
    const signer = createSoftwareSigner(privateKey);
    expect(signer.keyType).toBe('rsa');
    expect(signer.privateKey).toBe(privateKey);
    const signature = await signer.sign(data);
    expect(signature).toHaveLength(256);
    expect(verify('sha256', data, publicKey, signature)).toBe(true);
    expect(verify('sha1', data, publicKey, signature)).toBe(false);
    expect(Buffer.from(await signer.sign(data)).equals(signature)).toBe(true);
  });

  it.each(['P-256', 'P-384'] as const)('signs SHA-256 ECDSA on %s as a DER Ecdsa-Sig-Value', async (curve) => {
    const { publicKey, privateKey } = keyPair({ type: 'ec', curve });
    const signer = createSoftwareSigner(privateKey);
    expect(signer.keyType).toBe('ec');
    const signature = await signer.sign(data);
    expect(signature[0]).toBe(0x30);
    expect(signature[1]).toBe(signature.length - 2);
    expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
  });

  it('refuses a public key and keys that are neither RSA nor EC', () => {
    expect(() => createSoftwareSigner(keyPair({ type: 'ec', curve: 'P-256' }).publicKey)).toThrow(ConfigError);
    expect(() => createSoftwareSigner(keyPair({ type: 'ec', curve: 'P-256' }).publicKey)).toThrow('the CA signing key must be a private key, not a public key');
    expect(() => createSoftwareSigner(generateKeyPairSync('ed25519').privateKey)).toThrow('the CA signing key must be RSA or EC, not ed25519');
    expect(() => createSoftwareSigner(generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey)).toThrow('the CA signing key must be RSA or EC, not rsa-pss');
  });
});
