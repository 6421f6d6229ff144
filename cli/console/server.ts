// The console's HTTP server on 127.0.0.1: the page shell and its assets, /session (the CSRF token for the page's
// scripts) and /api/v1/... forwarded to the admin API through an ApiTransport (SigV4 for a deployed stack, the data
// folder's bearer token for a local one), so no credential ever reaches the browser. Every request needs the session
// (security.ts); every answer carries the security headers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_BODY_BYTES } from '../../shared/admin/http/router.ts';
import { CapfError, ConfigError } from '../../shared/errors.ts';
import type { ApiCall, ApiTransport } from '../admin/api-transport.ts';
import { readBody } from '../local/admin-server.ts';
import { ConsoleSession, hostAllowed, SECURITY_HEADERS } from './security.ts';

export const DEFAULT_CONSOLE_PORT = 3880;
/** Bodies the console forwards at most: the admin API's own limit (readBody refuses more). */
export const MAX_FORWARDED_BODY = MAX_BODY_BYTES;

export interface ConsoleAsset {
  type: string;
  body: Buffer;
}

export interface ConsoleAssets {
  /** The page shell served at / (no inline script or style). */
  html: string;
  /** By path: /assets/app.js, /assets/app.css. */
  files: ReadonlyMap<string, ConsoleAsset>;
}

export interface ConsoleOptions {
  transport: ApiTransport;
  assets: ConsoleAssets;
  port: number;
  /** True for a local stack's API (shown in the page header). */
  local: boolean;
  /** A fixed session token (tests); default random per start. */
  token?: string;
}

export interface ConsoleServer {
  /** The origin, e.g. http://127.0.0.1:3880. */
  origin: string;
  /** The URL to open: the origin with the session token. */
  url: string;
  port: number;
  session: ConsoleSession;
  close(): Promise<void>;
}

const FORWARDED_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const API_PATH = /^\/api(\/v1(?:\/[A-Za-z0-9._~%-]+)+)\/?$/;

export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new ConfigError(`port ${options.port} on 127.0.0.1 is in use: pick another with --port (0 = any free port)`, 'PORT_IN_USE') : error),
    );
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const session = new ConsoleSession(port, options.token);
  server.requestTimeout = 60_000;
  server.headersTimeout = 10_000;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { code: 'INTERNAL', message: 'the console failed to answer; see its terminal' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, port)) {
      req.resume();
      return json(res, 421, { code: 'WRONG_HOST', message: `open the console at ${origin}` });
    }
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';
    const fromUrl = url.searchParams.get('token') ?? undefined;
    if (fromUrl !== undefined && method === 'GET' && url.pathname === '/') {
      req.resume();
      if (!session.matches(fromUrl)) return refuse(res, url, 'the token in this URL is not the one this console printed');
      // The token leaves the address bar at once: it lives on in the HttpOnly cookie only.
      res.writeHead(303, { ...SECURITY_HEADERS, location: '/', 'set-cookie': session.cookie(), 'content-length': 0 });
      return void res.end();
    }
    if (!session.matches(session.fromCookie(req.headers.cookie))) {
      req.resume();
      return refuse(res, url, 'no console session: open the URL that capf console printed (it carries the session token)');
    }
    if (method !== 'GET' && method !== 'HEAD') {
      const refusal = session.csrfRefusal(req.headers, origin);
      if (refusal) {
        req.resume();
        return json(res, 403, { code: 'CSRF_REFUSED', message: refusal });
      }
    }
    if (url.pathname.startsWith('/api/')) return forward(req, res, url, method);
    req.resume();
    if (method !== 'GET' && method !== 'HEAD') return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed on ${url.pathname}` });
    if (url.pathname === '/session') return json(res, 200, { csrf: session.csrf, target: options.transport.description, local: options.local });
    if (url.pathname === '/' || url.pathname === '/index.html') return send(res, 200, 'text/html; charset=utf-8', Buffer.from(options.assets.html, 'utf8'));
    const asset = options.assets.files.get(url.pathname);
    if (asset) return send(res, 200, asset.type, asset.body);
    return json(res, 404, { code: 'NOT_FOUND', message: `nothing at ${url.pathname}` });
  }

  async function forward(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    const path = API_PATH.exec(url.pathname)?.[1];
    if (!path || path.split('/').some((segment) => segment === '..' || segment === '.' || /%2e%2e|%2f/i.test(segment))) {
      req.resume();
      return json(res, 404, { code: 'ROUTE_NOT_FOUND', message: `no admin API operation at ${url.pathname}` });
    }
    if (!FORWARDED_METHODS.has(method)) {
      req.resume();
      return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `${method} is not forwarded to the admin API` });
    }
    const text = await readBody(req);
    if (text === undefined) return json(res, 413, { code: 'BODY_TOO_LARGE', message: `the body is over ${MAX_FORWARDED_BODY} bytes` });
    let body: unknown;
    if (text.length > 0) {
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return json(res, 415, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' });
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        return json(res, 400, { code: 'INVALID_JSON', message: 'the body is not valid JSON' });
      }
    }
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const call: ApiCall = { method: method as ApiCall['method'], path, query, ...(body !== undefined ? { body } : {}) };
    try {
      const answer = await options.transport.send(call);
      return json(res, answer.status, answer.body);
    } catch (error) {
      const code = error instanceof CapfError ? error.code : 'UNREACHABLE';
      const message = error instanceof CapfError ? error.message : 'the admin API could not be reached';
      return json(res, 502, { code, message });
    }
  }

  return {
    origin,
    url: `${origin}/?token=${session.token}`,
    port,
    session,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** 401: a page for a browser's navigation, JSON for scripts. */
function refuse(res: ServerResponse, url: URL, message: string): void {
  if (url.pathname.startsWith('/api/') || url.pathname === '/session') return json(res, 401, { code: 'NO_SESSION', message });
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>capf console: no session</title></head><body><h1>No console session</h1><p>${escapeHtml(message)}</p></body></html>`;
  send(res, 401, 'text/html; charset=utf-8', Buffer.from(page, 'utf8'));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', Buffer.from(body === undefined ? '' : JSON.stringify(body), 'utf8'));
}

function send(res: ServerResponse, status: number, type: string, body: Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': body.length });
  res.end(body);
}
