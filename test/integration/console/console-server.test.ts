// The console's server (cli/console/server.ts) in front of real admin APIs: the local one of `capf serve` (bearer
// token from its data folder) and a SigV4-checking stand-in for API Gateway. Requests without the session are refused,
// the URL token becomes an HttpOnly SameSite=Strict cookie, every answer has the strict headers, state-changing
// requests need the same Origin and the CSRF header, and forwarded requests reach the API intact (signed for AWS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerTransport } from '../../../cli/admin/api-transport.ts';
import { sigv4Transport } from '../../../cli/admin/sigv4-transport.ts';
import { CSRF_HEADER } from '../../../cli/console/security.ts';
import { startConsole, type ConsoleAssets, type ConsoleServer } from '../../../cli/console/server.ts';
import { startTestAdminApi, type TestAdminApi } from '../../support/admin-api.ts';
import { startSigV4StandIn, type StandIn, type StandInRequest } from '../../support/sigv4-stand-in.ts';

const assets: ConsoleAssets = {
  html: '<!doctype html><title>t</title>',
  files: new Map([['/assets/app.js', { type: 'text/javascript', body: Buffer.from('void 0;') }]]),
};

let api: TestAdminApi;
let local: ConsoleServer;
let standIn: StandIn;
let signed: ConsoleServer;
const seen: StandInRequest[] = [];
const credentials = { accessKeyId: 'AKIDCONSOLE', secretAccessKey: 'console-secret' };

beforeAll(async () => {
  api = await startTestAdminApi();
  local = await startConsole({ transport: bearerTransport(new URL(api.api.url), api.token), assets, port: 0, local: true });
  standIn = await startSigV4StandIn({
    credentials,
    region: 'eu-west-1',
    forward: async (request) => {
      seen.push(request);
      return { status: 200, body: { devices: [], echo: request.query } };
    },
  });
  signed = await startConsole({ transport: await sigv4Transport(new URL(standIn.url), { region: 'eu-west-1', credentials: async () => credentials }), assets, port: 0, local: false });
});

afterAll(async () => {
  await local?.close();
  await signed?.close();
  await standIn?.close();
  await api?.close();
});

function cookieOf(server: ConsoleServer): string {
  return `${server.session.cookieName}=${server.session.token}`;
}

function call(server: ConsoleServer, path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${server.origin}${path}`, { redirect: 'manual', ...init, headers: { cookie: cookieOf(server), ...init.headers } });
}

function mutate(server: ConsoleServer, method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(server, path, {
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', origin: server.origin, 'sec-fetch-site': 'same-origin', [CSRF_HEADER]: server.session.csrf, ...headers },
  });
}

describe('capf console: the session', () => {
  it('binds 127.0.0.1 and prints a URL with a fresh 256-bit token', () => {
    expect(local.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.url).toBe(`${local.origin}/?token=${local.session.token}`);
    expect(local.session.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signed.session.token).not.toBe(local.session.token);
  });

  it('refuses every request without the session token: pages, assets, /session and the API', async () => {
    for (const path of ['/', '/assets/app.js', '/session', '/api/v1/devices']) {
      const response = await fetch(`${local.origin}${path}`);
      expect(response.status, path).toBe(401);
      expect(await response.text()).not.toContain(local.session.token);
    }
    const wrong = await fetch(`${local.origin}/api/v1/devices`, { headers: { cookie: `${local.session.cookieName}=${'x'.repeat(43)}` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'NO_SESSION' });
    expect((await fetch(`${local.origin}/?token=${'y'.repeat(43)}`, { redirect: 'manual' })).status).toBe(401);
  });

  it('exchanges the URL token for an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const response = await fetch(local.url, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`${local.session.cookieName}=${local.session.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await call(local, '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('sets strict security headers on every answer, refusals included', async () => {
    for (const response of [await call(local, '/'), await fetch(`${local.origin}/api/v1/devices`), await call(local, '/api/v1/devices')]) {
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('refuses a Host that is not the console (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${local.origin}/`, { headers: { host: `evil.example:${local.port}`, cookie: cookieOf(local) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('capf console: CSRF', () => {
  it('refuses a state-changing request from another origin, without fetch metadata of its own site, or without the CSRF header', async () => {
    const body = { name: 'SEP00000000C5F1' };
    const foreign = await mutate(local, 'POST', '/api/v1/devices', body, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: 'CSRF_REFUSED' });
    expect((await mutate(local, 'POST', '/api/v1/devices', body, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await mutate(local, 'POST', '/api/v1/devices', body, { [CSRF_HEADER]: 'not-the-token' })).status).toBe(403);
    expect((await api.request('GET', '/v1/devices/SEP00000000C5F1')).status).toBe(404);
  });

  it('gives the CSRF token to its own pages only (behind the session) and then lets the change through', async () => {
    const session = (await (await call(local, '/session')).json()) as { csrf: string; local: boolean };
    expect(session).toMatchObject({ csrf: local.session.csrf, local: true });
    const created = await mutate(local, 'POST', '/api/v1/devices', { name: 'SEP00000000C5F1', operation: 'install', authMode: 'null-string' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'SEP00000000C5F1', operation: 'install', status: 'pending' });
    expect((await api.request('GET', '/v1/devices/SEP00000000C5F1')).status).toBe(200);
  });
});

describe('capf console: forwarding', () => {
  it('forwards reads with their query to the local API and passes its answers and errors on', async () => {
    const list = await call(local, '/api/v1/devices?prefix=SEP00000000C5&limit=5');
    expect(list.status).toBe(200);
    expect(((await list.json()) as { devices: { name: string }[] }).devices.map((d) => d.name)).toEqual(['SEP00000000C5F1']);
    const invalid = await call(local, '/api/v1/devices?limit=100000');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ code: 'INVALID_REQUEST' });
    const missing = await call(local, '/api/v1/devices/SEP0000000000AA');
    expect(missing.status).toBe(404);
  });

  it('forwards PUT (the default template) with the CSRF token, and refuses it without', async () => {
    expect((await mutate(local, 'POST', '/api/v1/templates', { name: 'console-put' })).status).toBe(201);
    expect((await mutate(local, 'PUT', '/api/v1/template-default', { name: 'console-put' }, { [CSRF_HEADER]: 'forged' })).status).toBe(403);
    expect((await api.request('GET', '/v1/templates')).body).not.toHaveProperty('defaultTemplate');
    const put = await mutate(local, 'PUT', '/api/v1/template-default', { name: 'console-put' });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ defaultTemplate: 'console-put' });
    expect((await mutate(local, 'PUT', '/api/v1/template-default', { name: null })).status).toBe(200);
  });

  it('forwards only /api/v1 paths, without dot segments, and bounds the body', async () => {
    expect((await call(local, '/api/v2/devices')).status).toBe(404);
    expect((await call(local, '/api/v1/%2e%2e/admin')).status).toBe(404);
    expect((await call(local, '/elsewhere')).status).toBe(404);
    const big = await mutate(local, 'POST', '/api/v1/devices', { name: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    const notJson = await call(local, '/api/v1/devices', { method: 'POST', body: 'name=x', headers: { 'content-type': 'text/plain', origin: local.origin, [CSRF_HEADER]: local.session.csrf } });
    expect(notJson.status).toBe(415);
  });

  it('signs what it forwards to a deployed stack with SigV4 (the stand-in verifies it); the browser sends no credential', async () => {
    const response = await call(signed, '/api/v1/devices?status=failed&limit=20');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ echo: { status: 'failed', limit: '20' } });
    expect(standIn.refused).toBe(0);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', path: '/v1/devices', principal: credentials.accessKeyId });
    expect(seen.at(-1)?.headers.cookie).toBeUndefined();
  });

  it('answers 502 with the reason when the admin API cannot be reached', async () => {
    const closed = await startConsole({ transport: bearerTransport(new URL('http://127.0.0.1:9'), 'x'.repeat(43)), assets, port: 0, local: true });
    try {
      const response = await fetch(`${closed.origin}/api/v1/devices`, { headers: { cookie: `${closed.session.cookieName}=${closed.session.token}` } });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ code: 'UNREACHABLE' });
    } finally {
      await closed.close();
    }
  });
});
