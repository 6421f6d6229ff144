// The admin Lambda's offline-CA and expiry-monitor routes as deployed, on moto: a phone's CSR the offline issuer put in
// the S3 bucket is listed and shown, a certificate signed with openssl is imported through the API (the CA's root added
// to CAPF-trust through the API first), the expiry report finds it through the notAfter index, deleting a CSR removes
// its object from the bucket, GET /crl answers the published CRL object as base64 DER (404 before there is one).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExternalCa, type ExternalCa } from '../../support/external-ca.ts';
import { motoLambdaEnvironment } from '../issuers/moto-aws.ts';
import { offlineFixture, type OfflineFixture } from '../offline/offline-fixture.ts';

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const ADMIN = 'arn:aws:iam::123456789012:user/pki-admin';
const savedEnv = { ...process.env };
let handler: Handler;
let fixture: OfflineFixture;
let ca: ExternalCa;

function event(method: string, rawPath: string, body?: unknown, query?: Record<string, string>) {
  return {
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath,
    rawQueryString: new URLSearchParams(query ?? {}).toString(),
    headers: { 'content-type': 'application/json' },
    ...(query ? { queryStringParameters: query } : {}),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    isBase64Encoded: false,
    requestContext: { http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' }, authorizer: { iam: { userArn: ADMIN, accountId: '123456789012' } } },
  };
}

const context = { functionName: 'capf-admin', awsRequestId: 'req', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

async function call(method: string, path: string, body?: unknown, query?: Record<string, string>) {
  const result = await handler(event(method, path, body, query), context);
  return { status: result.statusCode ?? 0, headers: (result.headers ?? {}) as Record<string, string>, base64: result.isBase64Encoded === true, text: result.body ?? '' };
}

async function json(method: string, path: string, body?: unknown, query?: Record<string, string>) {
  const answer = await call(method, path, body, query);
  return { status: answer.status, body: JSON.parse(answer.text || '{}') as Record<string, unknown> };
}

beforeAll(async () => {
  fixture = await offlineFixture();
  ca = makeExternalCa({ name: 'Lambda Offline' });
  Object.assign(process.env, {
    CAPF_TABLE: fixture.tableName,
    CAPF_CSR_BUCKET: fixture.bucketName,
    CAPF_CRL_BUCKET: fixture.bucketName,
    CAPF_CRL_KEY: 'crl/capf.crl',
    ...motoLambdaEnvironment(),
  });
  handler = (await import('../../../functions/admin/handler.ts')).handler as unknown as Handler;
});

afterAll(() => {
  ca?.close();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

describe('admin Lambda: the offline CA and the expiry monitor on moto', () => {
  it('lists and shows pending CSRs, imports a signed certificate, reports it, deletes a CSR with its object', async () => {
    const device = await fixture.device();
    const csr = await fixture.phoneCsr(device.name);
    expect((await fixture.sign(device, csr)).status).toBe('pending');
    const other = await fixture.device();
    expect((await fixture.sign(other, await fixture.phoneCsr(other.name))).status).toBe('pending');

    const listed = await json('GET', '/v1/csrs');
    const csrs = (listed.body.csrs as { deviceName: string; name: string; objectKey: string }[]).filter((c) => [device.name, other.name].includes(c.deviceName));
    expect(csrs).toHaveLength(2);
    const mine = csrs.find((c) => c.deviceName === device.name)!;
    expect((await json('GET', `/v1/csrs/${mine.name}`)).body).toMatchObject({ pem: csr.csrPem });

    expect((await json('POST', '/v1/trust', { store: 'capf', pem: ca.rootPem })).status).toBe(201);
    const content = Buffer.from(ca.sign(csr.csrPem)).toString('base64');
    const imported = await json('POST', '/v1/certificates/import', { name: `${device.name}.pem`, content });
    expect(imported.body).toMatchObject({ source: `api:${device.name}.pem`, result: 'imported', certificates: [{ deviceName: device.name }] });
    const audit = await json('GET', '/v1/audit', undefined, { device: device.name, since: '1h' });
    expect(audit.body.events).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'certificate.import', actor: ADMIN })]));
    expect((await json('GET', '/v1/csrs/count')).body).toMatchObject({ imported: 1 });

    const report = await json('GET', '/v1/reports/expiry', undefined, { within: '400d' });
    expect(report.body.rows).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'lsc', device: device.name, state: 'issued' })]));

    const otherCsr = csrs.find((c) => c.deviceName === other.name)!;
    expect(await fixture.keys(otherCsr.objectKey)).toEqual([otherCsr.objectKey]);
    expect((await json('DELETE', `/v1/csrs/${otherCsr.name}`)).body).toMatchObject({ deleted: { deviceName: other.name } });
    expect(await fixture.keys(otherCsr.objectKey)).toEqual([]);
  });

  it('GET /crl: 404 before the monitor published one, then the object as base64 DER', async () => {
    expect((await json('GET', '/crl')).body).toMatchObject({ code: 'CRL_NOT_PUBLISHED' });
    const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
    await fixture.s3.send(new PutObjectCommand({ Bucket: fixture.bucketName, Key: 'crl/capf.crl', Body: der }));
    const crl = await call('GET', '/crl');
    expect(crl).toMatchObject({ status: 200, base64: true, headers: { 'content-type': 'application/pkix-crl' } });
    expect(Buffer.from(crl.text, 'base64')).toEqual(der);
  });

  it('a monitor run needs the monitor function (the stack names it); without it the answer says so', async () => {
    expect((await json('POST', '/v1/monitor/run', { dryRun: true })).body).toMatchObject({ code: 'MONITOR_NOT_DEPLOYED' });
  });
});
