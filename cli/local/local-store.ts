// The local stack's store: dynalite on <dataDir>/db. `capf serve` owns it and advertises its endpoint in
// <dataDir>/store.json ({ endpoint, pid }); admin commands run in other processes meanwhile and must not open the
// locked LevelDB again, so they connect to the advertised endpoint when its process is alive and answering, and
// open the folder themselves only when nobody serves it.
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, StoreError } from '../../shared/errors.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import type { Stores } from '../../shared/ports/index.ts';
import { startDynalite } from './dynalite.ts';
import { isLoopbackHttpEndpoint, loopbackSigner } from './loopback-signer.ts';

export const LOCAL_TABLE_NAME = 'capf';
export const ADVERTISEMENT_FILE = 'store.json';
const MAX_ADVERTISEMENT_BYTES = 4096;
const PROBE_TIMEOUT_MS = 2000;

export interface LocalStore {
  store: Stores;
  endpoint: string;
  /** True when this process runs the dynalite (and the LevelDB lock); false when it uses another process's. */
  owned: boolean;
  close(): Promise<void>;
}

export interface OpenLocalStoreOptions {
  /**
   * Write store.json so other processes find this store (what `capf serve` does); removed again on close. A folder
   * another live process already serves is then refused (ConfigError ALREADY_SERVED) instead of shared.
   */
  advertise?: boolean;
}

/**
 * A DynamoDB client with few retries; with an endpoint it talks to a stand-in using dummy credentials, and to the
 * local stack's dynalite on loopback without signing its requests (loopback-signer.ts).
 */
export function createDynamoClient(endpoint?: string, maxAttempts = 3): DynamoDBClient {
  if (endpoint === undefined) return new DynamoDBClient({ maxAttempts, cacheMiddleware: true });
  return new DynamoDBClient({
    cacheMiddleware: true,
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
    ...(isLoopbackHttpEndpoint(endpoint) ? { signer: loopbackSigner(endpoint) } : {}),
  });
}

export async function openLocalStore(dataDir: string, options: OpenLocalStoreOptions = {}): Promise<LocalStore> {
  await mkdir(dataDir, { recursive: true });
  const advertised = await readAdvertisement(dataDir);
  if (advertised && isProcessAlive(advertised.pid) && (await answers(advertised.endpoint))) {
    // A server needs the store to itself: on another's dynalite it would break when that one stops.
    if (options.advertise) {
      throw new ConfigError(`${dataDir} is already served by another process (pid ${advertised.pid}); stop it first`, 'ALREADY_SERVED');
    }
    const client = createDynamoClient(advertised.endpoint);
    return {
      store: createDynamoStores({ client, tableName: LOCAL_TABLE_NAME }),
      endpoint: advertised.endpoint,
      owned: false,
      close: async () => client.destroy(),
    };
  }

  const server = await startDynalite({ path: join(dataDir, 'db') });
  const client = createDynamoClient(server.endpoint);
  let advertisedHere = false;
  try {
    await ensureTable(client, LOCAL_TABLE_NAME);
    if (options.advertise) {
      await writeAdvertisement(dataDir, { endpoint: server.endpoint, pid: process.pid });
      advertisedHere = true;
    }
  } catch (err) {
    client.destroy();
    await server.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    store: createDynamoStores({ client, tableName: LOCAL_TABLE_NAME }),
    endpoint: server.endpoint,
    owned: true,
    close() {
      closing ??= (async () => {
        if (advertisedHere) await removeAdvertisement(dataDir, server.endpoint);
        client.destroy();
        await server.close();
      })();
      return closing;
    },
  };
}

interface Advertisement {
  endpoint: string;
  pid: number;
}

/** Reads store.json; a missing, oversized or malformed file counts as "nobody advertises". */
async function readAdvertisement(dataDir: string): Promise<Advertisement | undefined> {
  let text: string;
  try {
    const handle = await open(join(dataDir, ADVERTISEMENT_FILE), 'r');
    try {
      const buffer = Buffer.alloc(MAX_ADVERTISEMENT_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_ADVERTISEMENT_BYTES) return undefined;
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Advertisement>;
    if (typeof parsed.endpoint !== 'string' || !Number.isSafeInteger(parsed.pid) || (parsed.pid as number) <= 0) return undefined;
    // Only ever follow the file to this machine: it must not be able to send our requests elsewhere.
    if (!isLoopbackHttpEndpoint(parsed.endpoint)) return undefined;
    return { endpoint: parsed.endpoint, pid: parsed.pid as number };
  } catch {
    return undefined;
  }
}

async function writeAdvertisement(dataDir: string, advertisement: Advertisement): Promise<void> {
  const target = join(dataDir, ADVERTISEMENT_FILE);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(advertisement)}\n`, { mode: 0o600 });
    await rename(temporary, target); // readers never see a half-written file
  } catch (err) {
    throw new StoreError(`cannot write ${target}`, 'STORE', { cause: err });
  }
}

/** Removes store.json only if it still names our endpoint (another server may have replaced it since). */
async function removeAdvertisement(dataDir: string, endpoint: string): Promise<void> {
  const current = await readAdvertisement(dataDir);
  if (current?.endpoint === endpoint && current.pid === process.pid) {
    await rm(join(dataDir, ADVERTISEMENT_FILE), { force: true });
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

async function answers(endpoint: string): Promise<boolean> {
  const client = createDynamoClient(endpoint, 1);
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}
