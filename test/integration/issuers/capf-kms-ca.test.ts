// CapfCaIssuer with the CA key in KMS (moto_server). moto 5.2.1 signs with asymmetric keys (RSA and ECC) and returns
// DER ECDSA like KMS, but it ignores MessageType=DIGEST: it hashes the 32-byte digest again as if it were the message.
// So certificates that must verify are signed in RAW mode here; DIGEST mode is shown to be caught, never issued.
import { CreateKeyCommand, type KeySpec } from '@aws-sdk/client-kms';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { ConfigError, IssuerError } from '../../../shared/errors.ts';
import { CapfCaIssuer, createKmsCaCertificate, createKmsSigner, ensureKmsCa, loadKmsCa } from '../../../shared/issuers/capf-ca/index.ts';
import { derToPem } from '../../../shared/pki/index.ts';
import { motoClients, opensslText, opensslVerify, phoneKey, rejection, uniqueName } from './moto-aws.ts';

const clients = motoClients();

async function kmsKey(spec: KeySpec, usage: 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT' = 'SIGN_VERIFY'): Promise<string> {
  const created = await clients.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage, Description: uniqueName('capf-test') }));
  return created.KeyMetadata?.KeyId ?? '';
}

describe('CAPF CA with a KMS key', () => {
  for (const [spec, keyType, signatureName] of [
    ['RSA_2048', 'rsa', /sha256WithRSAEncryption/],
    ['ECC_NIST_P256', 'ec', /ecdsa-with-SHA256/],
  ] as const) {
    it(`${spec}: creates the CA certificate through KMS at first start and issues LSCs openssl verifies`, async () => {
      const keyId = await kmsKey(spec);
      const location = { keyId, certSecretId: uniqueName('capf/kms-ca-cert'), messageType: 'RAW' as const };
      const ca = await ensureKmsCa(clients, location, { commonName: 'CAPF-kms00001' });
      expect(ca.signer.keyType).toBe(keyType);
      expect(ca.signer.privateKey).toBeUndefined();
      const caPem = derToPem(ca.certificateDer);
      expect(await opensslVerify(caPem, caPem)).toMatch(/: OK/); // self-signed through KMS
      const caText = await opensslText(caPem);
      expect(caText).toMatch(/CA:TRUE, pathlen:0/);
      expect(caText).toMatch(signatureName);

      // A second container finds the stored certificate (same key) instead of making another.
      expect(await loadKmsCa(clients, { ...location, messageType: 'RAW' })).toBe(ca);

      const issuer = new CapfCaIssuer(ca);
      expect(issuer.name).toBe('capf-kms');
      for (const phone of ['rsa', 'ec'] as const) {
        const result = await issuer.issue({ requestId: uniqueName('req'), deviceName: 'SEPAABBCCDDEEFF', publicKeyDer: phoneKey(phone).spkiDer, validityDays: 365 });
        if (result.kind !== 'issued') throw new Error(`expected issued, got ${JSON.stringify(result)}`);
        expect(await opensslVerify(caPem, derToPem(result.certificateDer))).toMatch(/: OK/);
        expect(await opensslText(derToPem(result.certificateDer))).toMatch(signatureName);
      }
    });
  }

  it('DIGEST mode hands KMS the SHA-256 of the data and refuses a signature that does not verify (moto re-hashes it)', async () => {
    const keyId = await kmsKey('ECC_NIST_P256');
    const signer = await createKmsSigner(clients.kms, keyId); // default DIGEST
    const error = await rejection(signer.sign(new TextEncoder().encode('tbs certificate bytes')));
    expect(error).toBeInstanceOf(IssuerError);
    expect(error.code).toBe('KMS_BAD_SIGNATURE');
    // So no certificate can come out of it either.
    expect((await rejection(createKmsCaCertificate(signer))).code).toBe('KMS_BAD_SIGNATURE');
  });

  it('RAW mode refuses data over the 4096-byte KMS limit before calling KMS', async () => {
    const signer = await createKmsSigner(clients.kms, await kmsKey('RSA_2048'), { messageType: 'RAW' });
    expect((await rejection(signer.sign(new Uint8Array(4097)))).code).toBe('KMS_MESSAGE_TOO_LARGE');
  });

  it('refuses keys that cannot sign an LSC with SHA-256, and unknown keys, with a ConfigError', async () => {
    const p384 = await rejection(createKmsSigner(clients.kms, await kmsKey('ECC_NIST_P384')));
    expect(p384).toBeInstanceOf(ConfigError);
    expect(p384.message).toMatch(/ECC_NIST_P384; the CAPF CA needs RSA_2048 or ECC_NIST_P256/);

    const encryption = await rejection(createKmsSigner(clients.kms, await kmsKey('RSA_2048', 'ENCRYPT_DECRYPT')));
    expect(encryption.message).toMatch(/usage ENCRYPT_DECRYPT; the CAPF CA needs a SIGN_VERIFY key/);

    const unknown = await rejection(createKmsSigner(clients.kms, '00000000-0000-0000-0000-000000000000'));
    expect(unknown).toBeInstanceOf(ConfigError);
    expect(unknown.message).toMatch(/check CAPF_KMS_KEY_ID/);
  });

  it('refuses RSA keys over 2048 bits with a ConfigError: the key is also the CAPF certificate\'s, which phones verify only up to RSA 2048', async () => {
    for (const spec of ['RSA_3072', 'RSA_4096'] as const) {
      const error = await rejection(createKmsSigner(clients.kms, await kmsKey(spec), { messageType: 'RAW' }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.code).toBe('KMS_KEY');
      expect(error.message).toMatch(new RegExp(`is ${spec}; the CAPF CA needs RSA_2048 or ECC_NIST_P256`));
    }
  });

  it('refuses a stored CA certificate that belongs to another key', async () => {
    const first = await ensureKmsCa(clients, { keyId: await kmsKey('ECC_NIST_P256'), certSecretId: uniqueName('capf/kms-ca-cert'), messageType: 'RAW' });
    const certSecretId = uniqueName('capf/kms-ca-cert');
    await clients.secretsManager.send(new CreateSecretCommand({ Name: certSecretId, SecretString: JSON.stringify({ certificatePem: derToPem(first.certificateDer) }) }));
    const otherKey = await kmsKey('ECC_NIST_P256');
    const error = await rejection(loadKmsCa(clients, { keyId: otherKey, certSecretId, messageType: 'RAW' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/is not for KMS key/);
    // Missing certificate: loadKmsCa does not create one.
    expect((await rejection(loadKmsCa(clients, { keyId: otherKey, certSecretId: uniqueName('capf/none'), messageType: 'RAW' }))).message).toMatch(/ensureKmsCa/);
  });
});
