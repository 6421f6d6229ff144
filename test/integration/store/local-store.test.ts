// The local stack's store: one process owns the LevelDB folder and advertises it; others connect to it.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../../shared/errors.ts';
import { MemoryLogger } from '../../../shared/logging.ts';
import { startLocalStack } from '../../../cli/local/local-stack.ts';
import { startDynalite } from '../../../cli/local/dynalite.ts';
import { ADVERTISEMENT_FILE, openLocalStore, type LocalStore } from '../../../cli/local/local-store.ts';
import { installSettings, randomDeviceName } from './store-backends.ts';

const opened: LocalStore[] = [];
const folders: string[] = [];

async function newDataDir(): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'capf-local-store-'));
  folders.push(base);
  return join(base, 'nested', 'data'); // openLocalStore must create it
}

async function open(dataDir: string, options?: { advertise?: boolean }): Promise<LocalStore> {
  const local = await openLocalStore(dataDir, options);
  opened.push(local);
  return local;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

afterEach(async () => {
  for (const local of opened.splice(0).reverse()) await local.close();
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

describe('openLocalStore', () => {
  it('lets a second opener use the advertising owner, and reads the data back from disk after close', async () => {
    const dataDir = await newDataDir();
    const owner = await open(dataDir, { advertise: true });
    expect(owner.owned).toBe(true);
    expect(owner.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const advertised = JSON.parse(await readFile(join(dataDir, ADVERTISEMENT_FILE), 'utf8')) as { endpoint: string; pid: number };
    expect(advertised).toEqual({ endpoint: owner.endpoint, pid: process.pid });
    expect((await stat(join(dataDir, ADVERTISEMENT_FILE))).mode & 0o077).toBe(0);

    const name = randomDeviceName();
    const device = await owner.store.devices.put(installSettings(name));
    await owner.store.parameters.update({ lscValidityDays: 400 });

    const admin = await open(dataDir);
    expect(admin.owned).toBe(false);
    expect(admin.endpoint).toBe(owner.endpoint);
    expect(await admin.store.devices.get(name)).toEqual(device);
    const edited = await admin.store.devices.put(installSettings(name, { rsaKeySize: 3072 }));
    expect(await owner.store.devices.get(name)).toEqual(edited);
    await admin.close();
    expect(await owner.store.devices.get(name)).toEqual(edited); // the owner's dynalite outlives the admin client

    await owner.close();
    expect(await exists(join(dataDir, ADVERTISEMENT_FILE))).toBe(false);

    const reopened = await open(dataDir);
    expect(reopened.owned).toBe(true);
    expect(await reopened.store.devices.get(name)).toEqual(edited);
    expect((await reopened.store.parameters.get()).lscValidityDays).toBe(400);
    expect(await exists(join(dataDir, ADVERTISEMENT_FILE))).toBe(false); // not asked to advertise
  });

  it('ignores a stale store.json whose process is gone or whose endpoint does not answer', async () => {
    const dataDir = await newDataDir();
    const first = await open(dataDir);
    const name = randomDeviceName();
    await first.store.devices.put(installSettings(name));
    await first.close();

    const exited = spawnSync(process.execPath, ['-e', '0']);
    const stale = [
      { endpoint: 'http://127.0.0.1:9', pid: exited.pid },
      { endpoint: 'http://127.0.0.1:9', pid: process.pid },
    ];
    for (const advertisement of stale) {
      await writeFile(join(dataDir, ADVERTISEMENT_FILE), JSON.stringify(advertisement));
      const local = await open(dataDir);
      expect(local.owned).toBe(true);
      expect(local.endpoint).not.toBe(advertisement.endpoint);
      expect((await local.store.devices.get(name))?.name).toBe(name);
      await local.close();
    }
  });

  it('follows store.json only to a loopback endpoint', async () => {
    const dataDir = await newDataDir();
    const elsewhere = await startDynalite(); // answers, but is named by a non-loopback address below
    try {
      const endpoint = `http://0.0.0.0:${new URL(elsewhere.endpoint).port}`;
      await mkdir(dataDir, { recursive: true });
      await writeFile(join(dataDir, ADVERTISEMENT_FILE), JSON.stringify({ endpoint, pid: process.pid }));
      const local = await open(dataDir);
      expect(local.owned).toBe(true);
      expect(local.endpoint).not.toBe(endpoint);
    } finally {
      await elsewhere.close();
    }
  });

  it('reports a folder held by a store that does not advertise as LOCKED instead of hanging', async () => {
    const dataDir = await newDataDir();
    const holder = await open(dataDir);
    const error = await openLocalStore(dataDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('LOCKED');
    expect((error as Error).message).toMatch(/in use by another process/);
    expect(await holder.store.devices.list()).toEqual([]);
  });

  it('refuses a second advertiser (a second `capf serve`) while the first one serves the folder', async () => {
    const dataDir = await newDataDir();
    const owner = await open(dataDir, { advertise: true });
    const name = randomDeviceName();
    await owner.store.devices.put(installSettings(name));

    const error = await openLocalStore(dataDir, { advertise: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('ALREADY_SERVED');
    expect((error as Error).message).toMatch(/already served by another process/);
    const stack = await startLocalStack({ dataDir, hosts: ['127.0.0.1'], port: 0, logger: new MemoryLogger() }).catch((e: unknown) => e);
    expect(stack).toBeInstanceOf(ConfigError);
    expect((stack as ConfigError).code).toBe('ALREADY_SERVED');

    const advertised = JSON.parse(await readFile(join(dataDir, ADVERTISEMENT_FILE), 'utf8')) as { endpoint: string };
    expect(advertised.endpoint).toBe(owner.endpoint);
    expect((await owner.store.devices.get(name))?.name).toBe(name);
    const admin = await open(dataDir); // a client without advertise still shares it
    expect(admin.owned).toBe(false);
  });

  it('closes idempotently', async () => {
    const dataDir = await newDataDir();
    const local = await openLocalStore(dataDir, { advertise: true });
    await Promise.all([local.close(), local.close()]);
    await local.close();
    expect(await exists(join(dataDir, ADVERTISEMENT_FILE))).toBe(false);
  });
});
