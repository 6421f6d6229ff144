// The CLI's SigV4 transport (cli/admin/sigv4-transport.ts) against a stand-in that checks signatures with the SDK's
// signer, as API Gateway's IAM authorisation does: signed requests pass with their path, query and body intact; a
// wrong secret is refused (403) and becomes a one-line refusal (exit 1) naming what the caller needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTarget } from '../../../cli/admin/api-target.ts';
import { endpointRegion, sigv4Transport } from '../../../cli/admin/sigv4-transport.ts';
import { exitCodeOf, ServiceError } from '../../../cli/exit-codes.ts';
import { startSigV4StandIn, type StandIn, type StandInRequest } from '../../support/sigv4-stand-in.ts';

const credentials = { accessKeyId: 'AKIDCAPFTEST', secretAccessKey: 'capf-test-secret' };
const region = 'eu-west-1';
const seen: StandInRequest[] = [];
let standIn: StandIn;

beforeAll(async () => {
  standIn = await startSigV4StandIn({
    credentials,
    region,
    forward: async (request) => {
      seen.push(request);
      if (request.path === '/v1/devices/SEP0000000000FF') return { status: 404, body: { code: 'DEVICE_NOT_FOUND', message: 'no device named SEP0000000000FF' } };
      return { status: 200, body: { lscValidityDays: 30, echo: { method: request.method, path: request.path, query: request.query, body: request.body } } };
    },
  });
});

afterAll(() => standIn.close());

describe('SigV4 transport', () => {
  it('signs every request so the stand-in verifies it; path, query and body arrive intact', async () => {
    const transport = await sigv4Transport(new URL(standIn.url), { region, credentials: async () => credentials });
    const get = await transport.send({ method: 'GET', path: '/v1/audit', query: { device: 'SEP001122334455', since: '2026-01-01T00:00:00.000Z', limit: '5' } });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ echo: { method: 'GET', path: '/v1/audit', query: { device: 'SEP001122334455', since: '2026-01-01T00:00:00.000Z', limit: '5' } } });
    const patch = await transport.send({ method: 'PATCH', path: '/v1/parameters', body: { keepAliveMinutes: 10 } });
    expect(patch.status).toBe(200);
    expect(JSON.parse((patch.body as { echo: { body: string } }).echo.body)).toEqual({ keepAliveMinutes: 10 });
    expect(seen.at(-1)?.principal).toBe(credentials.accessKeyId);
    expect(standIn.refused).toBe(0);
  });

  it('a wrong secret is refused: one line naming the permission, exit 1', async () => {
    const transport = await sigv4Transport(new URL(standIn.url), { region, credentials: async () => ({ ...credentials, secretAccessKey: 'not-the-secret' }) });
    const error = await new ApiTarget(transport).getParameters().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).message).toMatch(/refused the credentials.*execute-api:Invoke/);
    expect(exitCodeOf(error as ServiceError)).toBe(1);
    expect(standIn.refused).toBe(1);
  });

  it('a 404 answer is "not found" (exit 2) with the code the API gave', async () => {
    const target = new ApiTarget(await sigv4Transport(new URL(standIn.url), { region, credentials: async () => credentials }));
    expect(await target.getDevice('SEP0000000000FF')).toBeUndefined();
    expect(await target.deleteDevice('SEP0000000000FF')).toBe(false);
  });

  it('takes the region from an API Gateway host name, else from AWS_REGION, else says to set it', () => {
    expect(endpointRegion(new URL('https://abc123.execute-api.ap-northeast-2.amazonaws.com/prod'), {})).toBe('ap-northeast-2');
    expect(endpointRegion(new URL('https://admin.example.com'), { AWS_REGION: 'us-west-2' })).toBe('us-west-2');
    expect(() => endpointRegion(new URL('https://admin.example.com'), {})).toThrow(/set AWS_REGION/);
  });
});
