// The admin Lambda entry as deployed (middy + Powertools, configured from the environment, AWS_ENDPOINT_URL → moto):
// API Gateway HTTP API payload v2 events in, the router's answers out, the caller taken from the IAM authoriser's
// userArn and recorded as the actor of each change.
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { hashAuthString } from '../../../shared/domain/auth-string.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { motoClients, uniqueName } from '../issuers/moto-aws.ts';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const savedEnv = { ...process.env };
/** The deployment's authentication-string key, as the CDK app's generated secret holds it (64 letters and digits). */
const AUTH_KEY_TEXT = randomBytes(32).toString('hex');
let handler: Handler;
let tableName: string;

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
  Object.assign(process.env, {
    CAPF_TABLE: tableName,
    CAPF_AUTH_KEY_SECRET_ARN: authKeySecret.ARN,
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
