// The local admin API on a dynalite table in a temporary data folder, as `capf serve` runs it (the real HTTP server,
// the bearer token file), plus a small client for tests: request(method, path, body?, headers?).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynalite } from '../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../cli/local/local-store.ts';
import { ADMIN_TOKEN_FILE, startLocalAdminApi, type LocalAdminApi } from '../../cli/local/admin-server.ts';
import { createLogger } from '../../shared/logging.ts';
import type { Stores } from '../../shared/ports/index.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface TestAdminApi {
  api: LocalAdminApi;
  stores: Stores;
  dataDir: string;
  token: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export async function startTestAdminApi(): Promise<TestAdminApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'capf-admin-api-'));
  const dynalite = await startDynalite();
  const client = createDynamoClient(dynalite.endpoint);
  await ensureTable(client, 'capf');
  const stores = createDynamoStores({ client, tableName: 'capf' });
  const api = await startLocalAdminApi({ dataDir, stores, port: 0, logger: createLogger('admin-api-test', 'error'), issuer: 'capf-software' });
  const token = (await readFile(join(dataDir, ADMIN_TOKEN_FILE), 'utf8')).trim();
  return {
    api,
    stores,
    dataDir,
    token,
    async request(method, path, body, headers = {}) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async close() {
      await api.close();
      client.destroy();
      await dynalite.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
