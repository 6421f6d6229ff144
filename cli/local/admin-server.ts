// The local admin API of `capf serve`: the same router as the admin function (shared/admin/http) on a loopback HTTP
// server, protected by a bearer token kept in <data>/admin-token (mode 0600, made at the first start and kept). The
// server writes where it listens to <data>/admin.json ({ url, port, pid }) so the CLI finds a running stack; it is
// removed again on close. Actor of every change: `local`.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOrCreateAuthStringKey } from './auth-string-key.ts';
import { AdminService } from '../../shared/admin/admin-service.ts';
import { createAdminRouter, MAX_BODY_BYTES, type ApiResponse, type RouteModule } from '../../shared/admin/http/index.ts';
import { caRoutes } from '../../shared/admin/http/ca-routes.ts';
import { templateRoutes } from '../../shared/admin/http/template-routes.ts';
import { bulkJobRoutes } from '../../shared/admin/http/bulk-routes.ts';
import { BulkAdmin } from '../../shared/admin/bulk-jobs.ts';
import { BackgroundBulkRuns } from './bulk-timer.ts';
import { TemplateAdmin } from '../../shared/admin/templates.ts';
import { localAdmin } from './local-admin.ts';
import { localRouteModules } from './local-admin-routes.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { CapfLogger } from '../../shared/logging.ts';
import type { CsrBucket, Stores } from '../../shared/ports/index.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';
export const ADMIN_ENDPOINT_FILE = 'admin.json';
/** The local admin API's default port (`capf serve --admin-port`); 0 picks a free one. */
export const DEFAULT_ADMIN_PORT = 3805;
export const LOCAL_ACTOR = 'local';

export interface LocalAdminApiOptions {
  dataDir: string;
  stores: Stores;
  port: number;
  /** Default 127.0.0.1: the API is for this machine only. */
  host?: string;
  logger: CapfLogger;
  modules?: (service: AdminService) => readonly RouteModule[];
  /** The offline CA's bucket (capf serve --issuer offline): deleting a CSR removes its object there too. */
  csrBucket?: CsrBucket;
  /** The issuer capf serve runs with (GET /v1/parameters shows it). */
  issuer?: string;
  /** Where bulk jobs created to run now run (this process); without it they wait for `capf serve`'s timer. */
  bulkRuns?: BackgroundBulkRuns;
}

export interface LocalAdminApi {
  url: string;
  port: number;
  tokenPath: string;
  /** The operations served (the contract test compares them with docs/openapi.yaml). */
  operations: { method: string; path: string; operationId: string }[];
  close(): Promise<void>;
}

/** Reads <data>/admin-token, creating it (32 random bytes, base64url, mode 0600) when it does not exist. */
export async function loadOrCreateAdminToken(dataDir: string): Promise<string> {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (/^[A-Za-z0-9_-]{32,128}$/.test(token)) {
      await chmod(path, 0o600);
      return token;
    }
    throw new ConfigError(`${path} does not hold an admin token; delete it and start again to make a new one`, 'ADMIN_TOKEN');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await readFile(path, 'utf8')).trim();
}

/** The admin router of the local stack (the same modules as the admin function), over the data folder's stores. */
export function localAdminRouter(options: Pick<LocalAdminApiOptions, 'dataDir' | 'stores' | 'logger' | 'modules' | 'csrBucket' | 'issuer' | 'bulkRuns'>) {
  const authStringKey = loadOrCreateAuthStringKey(options.dataDir).then((loaded) => loaded.key);
  authStringKey.catch(() => undefined); // a bad key file is reported by the request that needs it
  const service = new AdminService({ stores: options.stores, authStringKey: () => authStringKey });
  const local = localAdmin(options.dataDir, options.stores);
  const bulk = new BulkAdmin({ stores: options.stores, authStringKey: () => authStringKey });
  const runs = options.bulkRuns;
  return createAdminRouter(service, {
    ...(options.issuer ? { issuer: options.issuer } : {}),
    modules: [
      caRoutes(local.ca),
      templateRoutes(new TemplateAdmin({ templates: options.stores.templates, audit: options.stores.audit })),
      bulkJobRoutes(bulk, runs ? { runNow: (job) => runs.start(bulk, job.id) } : {}),
      ...localRouteModules({ dataDir: options.dataDir, stores: options.stores, ...(options.csrBucket ? { csrBucket: options.csrBucket } : {}) }),
      ...(options.modules?.(service) ?? []),
    ],
    onInternalError: (error, request) => options.logger.error('admin API request failed', { method: request.method, path: request.path, reason: error instanceof Error ? error.message : String(error) }),
  });
}

export async function startLocalAdminApi(options: LocalAdminApiOptions): Promise<LocalAdminApi> {
  const token = Buffer.from(await loadOrCreateAdminToken(options.dataDir), 'utf8');
  const bulkRuns = options.bulkRuns ?? new BackgroundBulkRuns(options.logger);
  const router = localAdminRouter({ ...options, bulkRuns });
  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      options.logger.error('admin API request failed', { reason: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) send(res, { status: 500, headers: { 'content-type': 'application/json' }, body: { code: 'INTERNAL', message: 'internal error' } });
      else res.destroy();
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorised(req.headers.authorization, token)) {
      req.resume();
      return send(res, {
        status: 401,
        headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="capf"' },
        body: { code: 'UNAUTHORISED', message: `send Authorization: Bearer <the token in ${join(options.dataDir, ADMIN_TOKEN_FILE)}>` },
      });
    }
    const body = await readBody(req);
    if (body === undefined) return send(res, { status: 413, headers: { 'content-type': 'application/json' }, body: { code: 'BODY_TOO_LARGE', message: `the body is over ${MAX_BODY_BYTES} bytes`, allowed: { max: MAX_BODY_BYTES } } });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const headers: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(req.headers)) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    send(res, await router.handle({ method: req.method ?? 'GET', path: url.pathname, query, headers, ...(body ? { body } : {}), principal: LOCAL_ACTOR }));
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ConfigError(`admin API port ${options.port} on ${host} is in use: pick another with --admin-port (0 = any free port)`, 'PORT_IN_USE')
          : error,
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const endpointPath = join(options.dataDir, ADMIN_ENDPOINT_FILE);
  const temporary = `${endpointPath}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ url, port, pid: process.pid })}\n`, { mode: 0o600 });
  await rename(temporary, endpointPath);
  return {
    url,
    port,
    tokenPath: join(options.dataDir, ADMIN_TOKEN_FILE),
    operations: router.operations,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await bulkRuns.stop();
      await removeIfOurs(endpointPath, url);
    },
  };
}

function authorised(header: string | undefined, token: Buffer): boolean {
  const match = /^Bearer ([A-Za-z0-9_-]{1,256})$/.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'utf8');
  return given.length === token.length && timingSafeEqual(given, token);
}

/** The body as text, or undefined when it is over MAX_BODY_BYTES (refused before it is buffered further). */
export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, response: ApiResponse): void {
  if (response.rawBody) {
    res.writeHead(response.status, { ...response.headers, 'content-length': response.rawBody.length });
    res.end(response.rawBody);
    return;
  }
  const text = response.body === undefined ? '' : JSON.stringify(response.body);
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function removeIfOurs(path: string, url: string): Promise<void> {
  try {
    const current = JSON.parse(await readFile(path, 'utf8')) as { url?: unknown; pid?: unknown };
    if (current.url === url && current.pid === process.pid) await rm(path, { force: true });
  } catch {
    // already gone or replaced: nothing to remove
  }
}
