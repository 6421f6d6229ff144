// The issuer factory: each CAPF_ISSUER builds the right issuer from the environment, FIPS mode (F17) refuses what it
// disables.
import { createServer, type Socket } from 'node:net';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { loadSignConfig } from '../../../shared/config/index.ts';
import { ConfigError, IssuerError } from '../../../shared/errors.ts';
import { AcmPcaIssuer } from '../../../shared/issuers/acm-pca/index.ts';
import { ReloadingCapfCaIssuer } from '../../../shared/issuers/capf-ca/index.ts';
import { MicrosoftCaIssuer } from '../../../shared/issuers/microsoft-ca/index.ts';
import { createIssuer, issuerDescriptor } from '../../../shared/issuers/index.ts';
import { generateCapfCa } from '../../../shared/pki/index.ts';
import { motoClients, rejection, uniqueName } from './moto-aws.ts';

const clients = motoClients();
const PCA_ARN = 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';

describe('createIssuer', () => {
  it('builds the software CAPF CA, generating it at first start', async () => {
    const issuer = await createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_CA_SECRET_ARN: uniqueName('capf/ca') }), clients);
    expect(issuer).toBeInstanceOf(ReloadingCapfCaIssuer);
    expect((await issuer.describe()).name).toBe('capf-software');
  });

  it('builds the KMS CAPF CA', async () => {
    const key = await clients.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }));
    const config = loadSignConfig({
      CAPF_TABLE: 't',
      CAPF_ISSUER: 'capf-kms',
      CAPF_KMS_KEY_ID: key.KeyMetadata?.KeyId,
      CAPF_CA_CERT_SECRET_ARN: uniqueName('capf/kms-cert'),
      CAPF_KMS_MESSAGE_TYPE: 'RAW', // moto ignores DIGEST (see capf-kms-ca.test.ts)
    });
    const issuer = await createIssuer(config, clients);
    expect(issuer.name).toBe('capf-kms');
    expect(issuerDescriptor(issuer.name).keyDelivery).toBe('public-key');
  });

  it('builds the ACM PCA issuer', async () => {
    const issuer = await createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'acm-pca', CAPF_PCA_ARN: PCA_ARN }), clients);
    expect(issuer).toBeInstanceOf(AcmPcaIssuer);
  });

  it('builds the online Microsoft CA issuer from its secret, refusing bad settings without echoing the password', async () => {
    const ca = await generateCapfCa();
    const settings = { host: 'ca.example.test', template: 'CapfLsc', username: 'EXAMPLE\\capf', password: 'S3cret-pass', auth: 'ntlm', trustedCaPem: [ca.certificatePem] };
    const secretId = uniqueName('capf/online-ca');
    await clients.secretsManager.send(new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify(settings) }));
    const config = (id: string) => loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'microsoft-ca', CAPF_ONLINE_CA_SECRET_ARN: id });
    expect(await createIssuer(config(secretId), clients)).toBeInstanceOf(MicrosoftCaIssuer);

    const missing = await rejection(createIssuer(config(uniqueName('capf/none')), clients));
    expect(missing.message).toMatch(/CAPF_ONLINE_CA_SECRET_ARN/);
    const badId = uniqueName('capf/online-ca');
    await clients.secretsManager.send(new CreateSecretCommand({ Name: badId, SecretString: JSON.stringify({ ...settings, host: 'not a host!' }) }));
    const bad = await rejection(createIssuer(config(badId), clients));
    expect(bad).toBeInstanceOf(ConfigError);
    expect(bad.message).toMatch(/host/);
    expect(bad.message).not.toContain('S3cret-pass');
  });

  it('FIPS mode (F17) refuses the online CA and the CSR-only PCA, naming F17', async () => {
    const online = await rejection(
      createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'microsoft-ca', CAPF_ONLINE_CA_SECRET_ARN: 's', CAPF_FIPS_MODE: 'true' }), clients),
    );
    expect(online).toBeInstanceOf(ConfigError);
    expect(online.message).toMatch(/F17/);
    expect(online.message).toMatch(/microsoft-ca/);
    const pca = await rejection(createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'acm-pca', CAPF_PCA_ARN: PCA_ARN, CAPF_FIPS_MODE: '1' }), clients));
    expect(pca.message).toMatch(/F17/);
  });

  it('gives the AWS clients it creates a time limit: a stalled endpoint fails each backend in seconds, not minutes', async () => {
    // Accepts connections and never answers, like a hung AWS endpoint.
    const sockets: Socket[] = [];
    const stalled = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const address = stalled.address();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const started = Date.now();
    let guard: NodeJS.Timeout | undefined;
    try {
      const pca = await createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'acm-pca', CAPF_PCA_ARN: PCA_ARN }));
      const kmsConfig = loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'capf-kms', CAPF_KMS_KEY_ID: 'alias/capf', CAPF_CA_CERT_SECRET_ARN: uniqueName('capf/kms-cert') });
      const failures = Promise.all([
        rejection(createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_CA_SECRET_ARN: uniqueName('capf/ca') }))),
        rejection(createIssuer(kmsConfig, { secretsManager: clients.secretsManager })),
        rejection(pca.describe()),
      ]);
      const timedOut = new Promise<never>((_, reject) => {
        guard = setTimeout(() => reject(new Error('an issuer still waits on the stalled endpoint after 30 s')), 30_000);
      });
      const [secret, kms, pcaRead] = await Promise.race([failures, timedOut]);
      expect(secret).toMatchObject({ code: 'CA_SECRET_UNAVAILABLE' });
      expect(kms).toMatchObject({ code: 'KMS_UNAVAILABLE' });
      expect(pcaRead).toMatchObject({ code: 'PCA_UNAVAILABLE' });
      for (const error of [secret, kms, pcaRead]) expect(error).toBeInstanceOf(IssuerError);
      expect(Date.now() - started).toBeLessThan(25_000);
    } finally {
      clearTimeout(guard);
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => stalled.close(resolve));
    }
  }, 45_000);

  it('FIPS mode refuses a CA key below 2048 bits', async () => {
    const secretId = uniqueName('capf/ca');
    const small = await generateCapfCa({ rsaBits: 1024 });
    await clients.secretsManager.send(new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify({ certificatePem: small.certificatePem, privateKeyPem: small.privateKeyPem }) }));
    const error = await rejection(createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_CA_SECRET_ARN: secretId, CAPF_FIPS_MODE: 'true' }), clients));
    expect(error.message).toMatch(/FIPS.*RSA 1024/);
    // Without FIPS mode the same CA is fine.
    expect(await createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_CA_SECRET_ARN: secretId }), clients)).toBeInstanceOf(ReloadingCapfCaIssuer);
  });
});
