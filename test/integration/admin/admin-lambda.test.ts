// The admin Lambda entry as deployed (middy + Powertools, configured from the environment, AWS_ENDPOINT_URL → moto):
// API Gateway HTTP API payload v2 events in, the router's answers out, the caller taken from the IAM authoriser's
// userArn and recorded as the actor of each change.
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { X509Certificate } from 'node:crypto';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { hashAuthString } from '../../../shared/domain/auth-string.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { ConflictError } from '../../../shared/errors.ts';
import { CA_RECHECK_MS, ReloadingCapfCaIssuer, readSoftwareCaFromSecret, SecretCaCustody } from '../../../shared/issuers/capf-ca/index.ts';
import { generateCapfCa } from '../../../shared/pki/index.ts';
import { motoClients, phoneKey, rejection, uniqueName } from '../issuers/moto-aws.ts';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const savedEnv = { ...process.env };
/** The deployment's authentication-string key, as the CDK app's generated secret holds it (64 letters and digits). */
const AUTH_KEY_TEXT = randomBytes(32).toString('hex');
let handler: Handler;
let tableName: string;
/** The deployment's CA secret, created as the CDK app does: the placeholder `{}` the first user fills. */
let caSecretArn: string;

function event(method: string, rawPath: string, options: { body?: unknown; query?: Record<string, string>; principal?: string | null; base64?: boolean; headers?: Record<string, string> } = {}) {
  const text = options.body === undefined ? undefined : JSON.stringify(options.body);
  const principal = options.principal === undefined ? ALICE : options.principal;
  return {
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(text !== undefined ? { body: options.base64 ? Buffer.from(text).toString('base64') : text, isBase64Encoded: options.base64 === true } : { isBase64Encoded: false }),
    requestContext: {
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      ...(principal ? { authorizer: { iam: { userArn: principal, accountId: '123456789012' } } } : {}),
    },
  };
}

const context = { functionName: 'capf-admin', awsRequestId: 'req', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

async function call(e: ReturnType<typeof event>): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const result = await handler(e, context);
  return { status: result.statusCode ?? 0, body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {}, headers: (result.headers ?? {}) as Record<string, unknown> };
}

beforeAll(async () => {
  tableName = `admin-lambda-${randomBytes(5).toString('hex')}`;
  const client = createDynamoClient(inject('motoEndpoint'));
  await ensureTable(client, tableName);
  client.destroy();
  const authKeySecret = await motoClients().secretsManager.send(new CreateSecretCommand({ Name: uniqueName('capf/auth-key'), SecretString: AUTH_KEY_TEXT }));
  caSecretArn = (await motoClients().secretsManager.send(new CreateSecretCommand({ Name: uniqueName('capf/ca'), SecretString: '{}' }))).ARN as string;
  Object.assign(process.env, {
    CAPF_TABLE: tableName,
    CAPF_AUTH_KEY_SECRET_ARN: authKeySecret.ARN,
    CAPF_ISSUER: 'capf-software',
    CAPF_CA_SECRET_ARN: caSecretArn,
    AWS_ENDPOINT_URL: inject('motoEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  handler = (await import('../../../functions/admin/handler.ts')).handler as unknown as Handler;
});

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

describe('admin Lambda on moto', () => {
  it('creates, reads and lists devices for the IAM caller, and audits the change under its ARN', async () => {
    const created = await call(event('POST', '/v1/devices', { body: { name: 'SEP0A0B0C0D0E0F', operation: 'install', generateAuthString: true } }));
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.body.authString).toMatch(/^\d{8}$/);
    const got = await call(event('GET', '/v1/devices/sep0a0b0c0d0e0f'));
    expect(got.body).toMatchObject({ name: 'SEP0A0B0C0D0E0F', authStringSet: true });
    expect(got.body).not.toHaveProperty('authString');
    const changed = await call(event('PATCH', '/v1/devices/SEP0A0B0C0D0E0F', { body: { keyOrder: 'ec' }, base64: true, headers: { 'if-match': '"1"' } }));
    expect(changed.body).toMatchObject({ keyOrder: 'ec', version: 2 });
    const listed = await call(event('GET', '/v1/devices', { query: { status: 'pending', prefix: 'SEP0A' } }));
    expect(listed.body).toMatchObject({ devices: [{ name: 'SEP0A0B0C0D0E0F' }] });
    const audit = await call(event('GET', '/v1/audit', { query: { device: 'SEP0A0B0C0D0E0F' } }));
    expect((audit.body.events as { action: string; actor: string }[]).map((e) => [e.action, e.actor])).toEqual([
      ['device.update', ALICE],
      ['device.create', ALICE],
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(created.body.authString as string);
  });

  it('answers errors as JSON with their codes, and refuses an event that did not pass the IAM authoriser', async () => {
    expect(await call(event('GET', '/v1/devices/SEP999999999999'))).toMatchObject({ status: 404, body: { code: 'DEVICE_NOT_FOUND' } });
    expect(await call(event('PATCH', '/v1/parameters', { body: { lscValidityDays: 4000 } }))).toMatchObject({ status: 400, body: { code: 'INVALID_LSC_VALIDITY' } });
    expect(await call(event('GET', '/v1/devices', { principal: null }))).toMatchObject({ status: 401, body: { code: 'UNAUTHORISED' } });
    expect(await call({ nonsense: true } as never)).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
  });

  it('stores a string set or generated through the API only as its keyed hash under the key in CAPF_AUTH_KEY_SECRET_ARN', async () => {
    const devices = createDynamoStores({ client: createDynamoClient(inject('motoEndpoint')), tableName }).devices;
    const key = Buffer.from(AUTH_KEY_TEXT, 'utf8');
    const given = await call(event('POST', '/v1/devices', { body: { name: 'SEP111111111111', operation: 'install', authString: '4711' } }));
    expect(given.status).toBe(201);
    expect(given.body).not.toHaveProperty('authString');
    expect((await devices.get('SEP111111111111'))?.authString).toBe(hashAuthString('4711', key));
    const generated = await call(event('POST', '/v1/devices', { body: { name: 'SEP222222222222', operation: 'install', generateAuthString: true } }));
    const shown = generated.body.authString as string;
    expect(shown).toMatch(/^\d{8}$/);
    const stored = (await devices.get('SEP222222222222'))?.authString;
    expect(stored).toBe(hashAuthString(shown, key));
    expect(stored).not.toContain(shown);
  });
});

describe('admin Lambda: the CAPF CA in the CA secret (F4)', () => {
  const secretValue = async () =>
    JSON.parse((await motoClients().secretsManager.send(new GetSecretValueCommand({ SecretId: caSecretArn }))).SecretString ?? '{}') as { certificatePem?: string; privateKeyPem?: string };

  it('shows the CA (generated into the placeholder at first use), regenerates and imports it into the secret, and the sign side follows', async () => {
    const shown = await call(event('GET', '/v1/ca'));
    expect(shown).toMatchObject({ status: 200, body: { where: caSecretArn, subject: expect.stringMatching(/^CN=CAPF-/), previous: [] } });
    const first = await secretValue();
    expect((await call(event('GET', '/v1/ca/certificate'))).body).toEqual({ pem: first.certificatePem });

    // The sign function's issuer, built before the change, as a container that is already warm.
    let clock = Date.now();
    const { secretsManager } = motoClients();
    const signer = new ReloadingCapfCaIssuer({
      initial: await readSoftwareCaFromSecret(secretsManager, caSecretArn),
      reread: () => readSoftwareCaFromSecret(secretsManager, caSecretArn),
      now: () => clock,
    });
    const phone = phoneKey();
    const issuedBy = async () => {
      const result = await signer.issue({ requestId: 'r1', deviceName: 'SEP0A0B0C0D0E0F', publicKeyDer: phone.spkiDer, validityDays: 30 });
      if (result.kind !== 'issued') throw new Error(`not issued: ${JSON.stringify(result)}`);
      return new X509Certificate(result.certificateDer).issuer;
    };
    expect(await issuedBy()).toBe(new X509Certificate(first.certificatePem as string).subject);

    const regenerated = await call(event('POST', '/v1/ca/regenerate', { body: { commonName: 'CAPF-moto0001' } }));
    expect(regenerated).toMatchObject({ status: 200, body: { current: { subject: 'CN=CAPF-moto0001', where: caSecretArn }, replaced: { subject: shown.body.subject, keptInCapfTrust: true } } });
    const second = await secretValue();
    expect(new X509Certificate(second.certificatePem as string).subject).toBe('CN=CAPF-moto0001');
    expect(second.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(JSON.stringify(regenerated.body)).not.toContain('PRIVATE KEY');

    // Within the re-read interval the warm container still signs with the old CA; after it, with the new one.
    expect(await issuedBy()).toBe(new X509Certificate(first.certificatePem as string).subject);
    clock += CA_RECHECK_MS;
    expect(await issuedBy()).toBe('CN=CAPF-moto0001');

    const own = await generateCapfCa({ commonName: 'CAPF-moto0002' });
    const mismatch = await call(event('POST', '/v1/ca/import', { body: { certificatePem: own.certificatePem, privateKeyPem: first.privateKeyPem } }));
    expect(mismatch).toMatchObject({ status: 400, body: { code: 'KEY_MISMATCH' } });
    expect(JSON.stringify(mismatch.body)).not.toContain('PRIVATE KEY');
    const imported = await call(event('POST', '/v1/ca/import', { body: { certificatePem: own.certificatePem, privateKeyPem: own.privateKeyPem } }));
    expect(imported).toMatchObject({ status: 200, body: { current: { subject: 'CN=CAPF-moto0002', previous: [{}, {}] } } });
    clock += CA_RECHECK_MS;
    expect(await issuedBy()).toBe('CN=CAPF-moto0002');

    const audit = await call(event('GET', '/v1/audit', { query: { since: '1h', limit: '100' } }));
    const events = audit.body.events as { action: string; actor: string; result: string }[];
    expect(events.filter((e) => e.action.startsWith('ca.')).map((e) => `${e.action} ${e.result} ${e.actor}`)).toEqual([`ca.import ok ${ALICE}`, `ca.import refused ${ALICE}`, `ca.regenerate ok ${ALICE}`]);
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
  });

  it('refuses a replacement based on a certificate that is no longer current (two administrators at once)', async () => {
    const custody = new SecretCaCustody({ client: motoClients().secretsManager, secretId: caSecretArn });
    const stale = await generateCapfCa();
    const next = await generateCapfCa();
    const error = await rejection(custody.replace({ certificatePem: next.certificatePem, privateKeyPem: next.privateKeyPem }, stale.certificatePem));
    expect(error).toBeInstanceOf(ConflictError);
    expect((await secretValue()).certificatePem).not.toBe(next.certificatePem);
  });

  it('with a KMS key (capf-kms) shows the certificate and refuses a replacement', async () => {
    const certSecret = await motoClients().secretsManager.send(new CreateSecretCommand({ Name: uniqueName('capf/ca-cert'), SecretString: JSON.stringify({ certificatePem: (await generateCapfCa()).certificatePem }) }));
    const custody = new SecretCaCustody({ client: motoClients().secretsManager, secretId: certSecret.ARN as string, keyInKms: true });
    const current = await custody.certificate();
    const next = await generateCapfCa();
    expect((await rejection(custody.replace({ certificatePem: next.certificatePem, privateKeyPem: next.privateKeyPem }, current))).code).toBe('CA_KEY_IN_KMS');
  });
});

describe('admin Lambda without CAPF_AUTH_KEY_SECRET_ARN', () => {
  it('refuses to store a string (never in clear) and still makes the changes that store none', async () => {
    vi.resetModules();
    delete process.env.CAPF_AUTH_KEY_SECRET_ARN;
    const keyless = (await import('../../../functions/admin/handler.ts')).handler as unknown as Handler;
    const send = async (e: ReturnType<typeof event>) => {
      const result = await keyless(e, context);
      return { status: result.statusCode ?? 0, body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {} };
    };
    expect(await send(event('POST', '/v1/devices', { body: { name: 'SEP333333333333', operation: 'install', authString: '4711' } }))).toMatchObject({
      status: 500,
      body: { code: 'AUTH_STRING_KEY_MISSING' },
    });
    const devices = createDynamoStores({ client: createDynamoClient(inject('motoEndpoint')), tableName }).devices;
    expect(await devices.get('SEP333333333333')).toBeUndefined();
    expect(await send(event('POST', '/v1/devices', { body: { name: 'SEP444444444444', operation: 'install', authMode: 'null-string' } }))).toMatchObject({ status: 201 });
  });
});
