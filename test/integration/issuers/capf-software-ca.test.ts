// CapfCaIssuer with the software key held in Secrets Manager (moto_server): first start, cache, bad secrets, LSCs
// that `openssl verify` accepts against the CA.
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { CapfCaIssuer, ensureSoftwareCaSecret, loadSoftwareCaFromSecret } from '../../../shared/issuers/capf-ca/index.ts';
import { writeFirstCaSecret } from '../../../shared/issuers/ca-secret.ts';
import { derToPem, generateCapfCa } from '../../../shared/pki/index.ts';
import { canPollPending } from '../../../shared/ports/index.ts';
import { motoClients, opensslText, opensslVerify, phoneKey, rejection, uniqueName } from './moto-aws.ts';

const { secretsManager } = motoClients();

describe('software CAPF CA in Secrets Manager', () => {
  it('generates and stores the CA at first start, then serves it from the container cache', async () => {
    const secretId = uniqueName('capf/ca');
    const first = await ensureSoftwareCaSecret(secretsManager, secretId, { commonName: 'CAPF-test0001' });
    const stored = JSON.parse((await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString ?? '{}');
    expect(stored.certificatePem).toBe(derToPem(first.certificateDer));
    expect(stored.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    // Another CA put into the secret later is not seen by this container: loaded once, cached.
    const other = await generateCapfCa();
    await secretsManager.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ certificatePem: other.certificatePem, privateKeyPem: other.privateKeyPem }) }));
    const again = await loadSoftwareCaFromSecret(secretsManager, secretId);
    expect(again).toBe(first);
  });

  it('fills a placeholder secret `{}` created by the deployment', async () => {
    const secretId = uniqueName('capf/ca');
    await secretsManager.send(new CreateSecretCommand({ Name: secretId, SecretString: '{}' }));
    const ca = await ensureSoftwareCaSecret(secretsManager, secretId);
    const stored = JSON.parse((await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString ?? '{}');
    expect(stored.certificatePem).toBe(derToPem(ca.certificateDer));
  });

  it('keeps the first CA when two containers write at first start at once', async () => {
    const secretId = uniqueName('capf/ca');
    const [a, b] = await Promise.all([generateCapfCa(), generateCapfCa()]);
    await Promise.all([
      writeFirstCaSecret(secretsManager, secretId, { certificatePem: a.certificatePem, privateKeyPem: a.privateKeyPem }, 'test'),
      writeFirstCaSecret(secretsManager, secretId, { certificatePem: b.certificatePem, privateKeyPem: b.privateKeyPem }, 'test'),
    ]);
    const ca = await loadSoftwareCaFromSecret(secretsManager, secretId);
    expect([a.certificatePem, b.certificatePem]).toContain(derToPem(ca.certificateDer));
    // A late writer never replaces the stored CA.
    const c = await generateCapfCa();
    await writeFirstCaSecret(secretsManager, secretId, { certificatePem: c.certificatePem, privateKeyPem: c.privateKeyPem }, 'test');
    const stored = JSON.parse((await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString ?? '{}');
    expect(stored.certificatePem).toBe(derToPem(ca.certificateDer));
  });

  it('refuses a missing, non-JSON or mismatched secret with a ConfigError that never quotes the key', async () => {
    const missing = await rejection(loadSoftwareCaFromSecret(secretsManager, uniqueName('capf/none')));
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing.message).toMatch(/does not exist or is empty/);

    const notJson = uniqueName('capf/ca');
    await secretsManager.send(new CreateSecretCommand({ Name: notJson, SecretString: 'hunter2-not-json' }));
    const notJsonError = await rejection(loadSoftwareCaFromSecret(secretsManager, notJson));
    expect(notJsonError.message).toBe(`CA secret ${notJson} is not JSON`);

    const a = await generateCapfCa();
    const b = await generateCapfCa();
    const mismatched = uniqueName('capf/ca');
    await secretsManager.send(new CreateSecretCommand({ Name: mismatched, SecretString: JSON.stringify({ certificatePem: a.certificatePem, privateKeyPem: b.privateKeyPem }) }));
    const mismatchError = await rejection(loadSoftwareCaFromSecret(secretsManager, mismatched));
    expect(mismatchError.message).toMatch(/privateKeyPem is not the key of certificatePem/);

    const garbledKey = uniqueName('capf/ca');
    const badKeyPem = a.privateKeyPem.replace(/[A-Za-z]{12}/, 'AAAAAAAAAAAA');
    await secretsManager.send(new CreateSecretCommand({ Name: garbledKey, SecretString: JSON.stringify({ certificatePem: a.certificatePem, privateKeyPem: badKeyPem }) }));
    const garbledError = await rejection(loadSoftwareCaFromSecret(secretsManager, garbledKey));
    expect(garbledError).toBeInstanceOf(ConfigError);
    const keyBody = a.privateKeyPem.split('\n')[1] ?? '';
    expect(garbledError.message).not.toContain(keyBody.slice(0, 16));
    expect(garbledError.message).not.toContain('PRIVATE KEY-----');

    const wrongShape = uniqueName('capf/ca');
    await secretsManager.send(new CreateSecretCommand({ Name: wrongShape, SecretString: JSON.stringify({ certificate: 'x', privateKeyPem: 'secret-value-here' }) }));
    const shapeError = await rejection(loadSoftwareCaFromSecret(secretsManager, wrongShape));
    expect(shapeError.message).toMatch(/problem with: certificatePem/);
    expect(shapeError.message).not.toContain('secret-value-here');
  });

  it('issues LSCs for RSA and EC phone keys that openssl verifies against the CA', async () => {
    for (const caKey of ['rsa', 'ec'] as const) {
      const ca = await ensureSoftwareCaSecret(secretsManager, uniqueName('capf/ca'), { keyType: caKey, organization: 'Example', organizationalUnit: 'Voice' });
      const issuer = new CapfCaIssuer(ca);
      expect(issuer.name).toBe('capf-software');
      const description = await issuer.describe();
      expect(description).toEqual({ name: 'capf-software', caCertificatesDer: [ca.certificateDer] });
      for (const phone of ['rsa', 'ec'] as const) {
        const key = phoneKey(phone);
        const result = await issuer.issue({ requestId: uniqueName('req'), deviceName: 'SEP00112233AABB', publicKeyDer: key.spkiDer, validityDays: 30 });
        if (result.kind !== 'issued') throw new Error(`expected issued, got ${JSON.stringify(result)}`);
        expect(result.chainDer).toEqual([ca.certificateDer]);
        const leafPem = derToPem(result.certificateDer);
        expect(await opensslVerify(derToPem(ca.certificateDer), leafPem)).toMatch(/: OK/);
        const text = await opensslText(leafPem);
        expect(text).toMatch(/Subject: CN\s?=\s?SEP00112233AABB, O\s?=\s?Example, OU\s?=\s?Voice/);
        expect(text).toMatch(caKey === 'rsa' ? /sha256WithRSAEncryption/ : /ecdsa-with-SHA256/);
      }
    }
  });

  it('refuses what the LSC profile cannot carry instead of signing it', async () => {
    const issuer = new CapfCaIssuer(await ensureSoftwareCaSecret(secretsManager, uniqueName('capf/ca')));
    const key = phoneKey('ec');
    expect(await issuer.issue({ requestId: 'r1', deviceName: 'SEP00112233AABB', publicKeyDer: key.spkiDer, validityDays: 1826 })).toMatchObject({
      kind: 'refused',
      code: 'INVALID_VALIDITY',
    });
    expect(await issuer.issue({ requestId: 'r2', deviceName: 'not a device!', publicKeyDer: key.spkiDer, validityDays: 30 })).toMatchObject({
      kind: 'refused',
      code: 'INVALID_DEVICE_NAME',
    });
    expect(await issuer.issue({ requestId: 'r3', deviceName: 'SEP00112233AABB', publicKeyDer: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]), validityDays: 30 })).toMatchObject({
      kind: 'refused',
      code: 'INVALID_PUBLIC_KEY',
    });
    // It signs at once: it keeps no pending requests, so it offers no way to ask about one.
    expect(canPollPending(issuer)).toBe(false);
  });
});
