// Which service the admin commands act on:
//   1. --endpoint URL, else $CAPF_ENDPOINT: a local stack's admin API (http on a loopback address; the bearer token
//      from the data folder's admin-token, or $CAPF_ADMIN_TOKEN) or a deployed stack's (https; SigV4 with the default
//      AWS credential chain and region);
//   2. else a running `capf serve` on the data folder (its admin.json names the API): through its API;
//   3. else the data folder's store, opened as before (local-store.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../shared/errors.ts';
import { prepareDataDir } from '../data-folder.ts';
import { defaultDataDir } from '../options.ts';
import type { ApiTransport } from './api-transport.ts';
import type { AdminTarget } from './target.ts';

export interface TargetOptions {
  data?: string;
  endpoint?: string;
}

/** Written by `capf serve` (cli/local/admin-server.ts): where its admin API listens, and the token beside it. */
export const ADMIN_ENDPOINT_FILE = 'admin.json';
export const ADMIN_TOKEN_FILE = 'admin-token';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const MAX_SMALL_FILE = 4096;

/** --data's help, the same in every command. */
export const DATA_HELP = 'data folder (default: $CAPF_DATA_DIR, else the nearest .capf here or above, else ./.capf)';

export const ENDPOINT_HELP = 'admin API to use: a local stack (http://127.0.0.1:3805) or a deployed one (https://...execute-api...; AWS credentials and region from the environment) (default: $CAPF_ENDPOINT, else a running capf serve on the data folder, else the data folder itself)';

function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--endpoint ${JSON.stringify(text.slice(0, 100))} is not a URL: give http://127.0.0.1:3805 for a local stack or the https URL of a deployed admin API`, 'INVALID_ENDPOINT');
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new ConfigError(`--endpoint ${url.origin}: plain http only on this machine (127.0.0.1, ::1); a deployed admin API is https`, 'INVALID_ENDPOINT');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--endpoint must be an http(s) URL, not ${url.protocol}`, 'INVALID_ENDPOINT');
  return url;
}

async function readSmall(path: string): Promise<string | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return text.length > MAX_SMALL_FILE ? undefined : text;
  } catch {
    return undefined;
  }
}

async function localToken(dataDir: string): Promise<string> {
  const token = process.env.CAPF_ADMIN_TOKEN ?? (await readSmall(join(dataDir, ADMIN_TOKEN_FILE)))?.trim();
  if (!token) {
    throw new ConfigError(`no admin token in ${join(dataDir, ADMIN_TOKEN_FILE)}: pass --data with the folder capf serve uses (or set CAPF_ADMIN_TOKEN)`, 'NO_ADMIN_TOKEN');
  }
  return token;
}

/** The API of a `capf serve` running on this data folder, when its admin.json names a live process on loopback. */
async function runningLocalApi(dataDir: string): Promise<URL | undefined> {
  const text = await readSmall(join(dataDir, ADMIN_ENDPOINT_FILE));
  if (!text) return undefined;
  try {
    const { url, pid } = JSON.parse(text) as { url?: unknown; pid?: unknown };
    if (typeof url !== 'string' || typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
    const endpoint = new URL(url);
    if (endpoint.protocol !== 'http:' || !LOOPBACK.has(endpoint.hostname)) return undefined;
    process.kill(pid, 0); // throws when that process is gone: the file is stale
    return endpoint;
  } catch {
    return undefined;
  }
}

/**
 * The transport to the admin API the options name (--endpoint, $CAPF_ENDPOINT, else a running `capf serve` on the data
 * folder), or undefined when there is none (no endpoint given and no local API running).
 */
export async function openApiTransport(opts: TargetOptions): Promise<ApiTransport | undefined> {
  const given = opts.endpoint ?? process.env.CAPF_ENDPOINT;
  const dataDir = opts.data ?? defaultDataDir();
  const endpoint = given ? parseEndpoint(given) : await runningLocalApi(dataDir);
  if (!endpoint) return undefined;
  // CAPF_ENDPOINT_AUTH=sigv4 signs requests to a loopback endpoint too (an IAM-checking proxy or test stand-in).
  const sign = endpoint.protocol === 'https:' || process.env.CAPF_ENDPOINT_AUTH === 'sigv4';
  if (!sign) {
    const { bearerTransport } = await import('./api-transport.ts');
    return bearerTransport(endpoint, await localToken(dataDir));
  }
  const { sigv4Transport } = await import('./sigv4-transport.ts');
  return sigv4Transport(endpoint);
}

export async function openTarget(opts: TargetOptions): Promise<AdminTarget> {
  const transport = await openApiTransport(opts);
  if (!transport) {
    const dataDir = opts.data ?? defaultDataDir();
    await prepareDataDir(dataDir);
    const { openStoreTarget } = await import('./store-target.ts');
    return openStoreTarget(dataDir);
  }
  const { ApiTarget } = await import('./api-target.ts');
  return new ApiTarget(transport);
}

export async function withTarget<T>(opts: TargetOptions, work: (target: AdminTarget) => Promise<T>): Promise<T> {
  const target = await openTarget(opts);
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}
