// dynalite (DynamoDB on LevelDB) in this process, for the local stack and tests. With `path` the data lives on disk.
// LevelDB allows one opener per folder; a second dynalite on a locked folder does not fail cleanly (it hangs and
// throws from an iterator later), so the lock is probed first and reported as a StoreError.
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { StoreError } from '../../shared/errors.ts';

type DynaliteFactory = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

/** dynalite (CommonJS without type declarations), loaded on first use: `capf --help` and `capf phone` never need it. */
function loadDynalite(): DynaliteFactory {
  return createRequire(import.meta.url)('dynalite') as DynaliteFactory;
}

export interface DynaliteOptions {
  /** LevelDB folder; in memory when absent. */
  path?: string;
  host?: string;
  port?: number;
}

export interface RunningDynalite {
  endpoint: string;
  close(): Promise<void>;
}

export async function startDynalite(options: DynaliteOptions = {}): Promise<RunningDynalite> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (options.path !== undefined) await probeLevelDb(options.path);
  const server = loadDynalite()({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(new StoreError(`dynalite could not listen on ${host}:${port} (${err.message})`, 'STORE', { cause: err }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${hostPart}:${address.port}`,
    close() {
      // dynalite's close stops the HTTP server, then waits for pending LevelDB work and closes the database.
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(new StoreError(`closing dynalite failed (${err.message})`, 'STORE', { cause: err })) : resolve()));
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** Opens and closes the LevelDB folder once, to turn "locked by another process" into a clear error. */
async function probeLevelDb(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  const { ClassicLevel } = await import('classic-level');
  const db = new ClassicLevel(path);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new StoreError(`the local database ${path} is in use by another process`, 'LOCKED');
    }
    throw new StoreError(`the local database ${path} cannot be opened`, 'STORE', { cause: err });
  }
  await db.close();
}
