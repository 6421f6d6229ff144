// F2: the certsrv site's HTTPS certificate is checked against CAPF-trust. Built from the environment as the sign
// function does it: an online CA secret with no CA of its own, and the CAPF-trust bundle (CAPF_TRUST_SECRET_ARN).
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSignConfig } from '../../../shared/config/index.ts';
import { ConfigError } from '../../../shared/errors.ts';
import { generateCapfCa } from '../../../shared/pki/index.ts';
import { createIssuer } from '../../../shared/issuers/index.ts';
import { DEFAULT_ACCOUNT, DEFAULT_TEMPLATE, startCertsrvEmulator, type CertsrvEmulator } from '../../../cli/certsrv-emulator/index.ts';
import { motoClients, uniqueName } from '../issuers/moto-aws.ts';
import { expectIssuedByEmulator, expectRefused, issueRequest, phoneCsr } from './helpers.ts';

const clients = motoClients();
let emulator: CertsrvEmulator;
let onlineCaSecret: string;

async function secret(value: string): Promise<string> {
  const name = uniqueName('capf/test');
  await clients.secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return name;
}

beforeAll(async () => {
  emulator = await startCertsrvEmulator({});
  onlineCaSecret = await secret(
    JSON.stringify({ host: emulator.hostname, port: emulator.port, connectAddress: '127.0.0.1', template: DEFAULT_TEMPLATE, username: `CORP\\${DEFAULT_ACCOUNT.user}`, password: DEFAULT_ACCOUNT.password, auth: 'ntlm' }),
  );
});
afterAll(() => emulator.close());

describe('online CA trust from CAPF-trust', () => {
  it('trusts the site when its CA is in the CAPF-trust bundle', async () => {
    const trust = await secret(emulator.caCertificatePem);
    const issuer = await createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'microsoft-ca', CAPF_ONLINE_CA_SECRET_ARN: onlineCaSecret, CAPF_TRUST_SECRET_ARN: trust }), clients);
    const csr = await phoneCsr();
    expectIssuedByEmulator(await issuer.issue(issueRequest(csr)), emulator, csr);
  });

  it('says what to upload while CAPF-trust is the empty placeholder', async () => {
    const trust = await secret('{}');
    const error = await createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'microsoft-ca', CAPF_ONLINE_CA_SECRET_ARN: onlineCaSecret, CAPF_TRUST_SECRET_ARN: trust }), clients).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/CAPF-trust \(CAPF_TRUST_SECRET_ARN\)/);
  });

  it('refuses the site as UNTRUSTED_CA when CAPF-trust holds other CAs only', async () => {
    const other = await generateCapfCa({ commonName: 'Unrelated-Root' });
    const trust = await secret(other.certificatePem);
    const issuer = await createIssuer(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'microsoft-ca', CAPF_ONLINE_CA_SECRET_ARN: onlineCaSecret, CAPF_TRUST_SECRET_ARN: trust }), clients);
    expectRefused(await issuer.issue(issueRequest(await phoneCsr())), 'UNTRUSTED_CA');
  });
});
