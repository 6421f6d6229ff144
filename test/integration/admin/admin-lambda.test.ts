// The admin Lambda entry as deployed (middy + Powertools, configured from the environment, AWS_ENDPOINT_URL → moto):
// API Gateway HTTP API payload v2 events in, the router's answers out, the caller taken from the IAM authoriser's
// userArn and recorded as the actor of each change.
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { ensureTable } from '../../../shared/store/dynamo-stores.ts';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const savedEnv = { ...process.env };
let handler: Handler;

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
  const tableName = `admin-lambda-${randomBytes(5).toString('hex')}`;
  const client = createDynamoClient(inject('motoEndpoint'));
  await ensureTable(client, tableName);
  client.destroy();
  Object.assign(process.env, {
    CAPF_TABLE: tableName,
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
});
