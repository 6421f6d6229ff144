// Issue 14: a bulk job in a local process killed with SIGKILL half-way through a chunk (its devices half written, the
// chunk never committed, its lease left behind), then resumed by another process: while the lease holds, a second
// process leaves the job alone; once it has expired (that process runs a few minutes later by its clock), it continues
// at the last committed chunk. Every device is updated exactly once (version 1 -> 2), the job counts each once, and
// every generated string is unique and matches its device's keyed hash.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type RunningDynalite } from '../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../cli/local/local-store.ts';
import { BulkAdmin, BULK_CHUNK } from '../../shared/admin/bulk-jobs.ts';
import { hashAuthString } from '../../shared/domain/auth-string.ts';
import type { Stores } from '../../shared/ports/index.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import { seedBulkDevices } from '../support/bulk-seed.ts';

const KEY = randomBytes(32);
const DEVICES = 8 * BULK_CHUNK;
const KILLED_IN = 5;

let dynalite: RunningDynalite;
let client: ReturnType<typeof createDynamoClient>;
let stores: Stores;
let tableName: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dynalite = await startDynalite();
  client = createDynamoClient(dynalite.endpoint);
  tableName = `bulk-kill-${randomBytes(4).toString('hex')}`;
  await ensureTable(client, tableName);
  stores = createDynamoStores({ client, tableName });
}, 60_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  client.destroy();
  await dynalite.close();
});

interface Runner {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runner(jobId: string, owner: string, extra: string[] = []): Runner {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/bulk-kill-runner.ts', '--endpoint', dynalite.endpoint, '--table', tableName, '--job', jobId, '--owner', owner, ...extra], {
    env: { ...process.env, BULK_KEY: KEY.toString('hex'), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    exited,
    waitFor: (pattern) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`the runner exited (${code ?? signal}) before printing ${pattern}: ${lines.join(' | ')}`)));
      });
    },
  };
}

describe('bulk job killed with SIGKILL', () => {
  it('resumes in another process: each device once, strings unique', { timeout: 600_000 }, async () => {
    const names = await seedBulkDevices(client, tableName, DEVICES, 'D');
    const admin = new BulkAdmin({ stores, authStringKey: async () => new Uint8Array(KEY) });
    const { job } = await admin.create('tester', { operation: 'install', selection: { prefix: 'SEPD' }, generateStrings: true });
    const id = job!.id;

    const first = runner(id, 'process-1', ['--stop-in-chunk', String(KILLED_IN)]);
    await first.waitFor(new RegExp(`^half ${KILLED_IN}$`));
    expect(first.child.kill('SIGKILL')).toBe(true);
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(first.lines).toContain(`committed ${KILLED_IN - 1} ${KILLED_IN * BULK_CHUNK}`);

    // What the dead process left: the committed chunks, half of the next chunk written, its lease.
    const cut = (await admin.show(id)).job;
    expect(cut).toMatchObject({ state: 'running', nextChunk: KILLED_IN, done: KILLED_IN * BULK_CHUNK, leaseOwner: 'process-1' });
    const written = (await stores.devices.list()).filter((d) => d.name.startsWith('SEPD') && d.version === 2).length;
    expect(written).toBe(KILLED_IN * BULK_CHUNK + BULK_CHUNK / 2);

    // While the lease holds, another process leaves the job alone.
    const early = runner(id, 'process-2');
    expect(await early.waitFor(/^(held|ended)/)).toBe('held');
    expect((await early.exited).code).toBe(0);

    // Once it has expired (this process's clock runs 2 minutes ahead; the lease is 60 s), it continues and finishes.
    const second = runner(id, 'process-3', ['--clock-offset-ms', '120000']);
    expect(await second.waitFor(/^ended/)).toBe(`ended done ${DEVICES} 0`);
    expect((await second.exited).code).toBe(0);
    expect(second.lines[0]).toBe(`committed ${KILLED_IN} ${(KILLED_IN + 1) * BULK_CHUNK}`);

    const strings = await admin.strings('tester', id);
    expect(strings).toHaveLength(DEVICES);
    expect(new Set(strings.map((s) => s.authString)).size).toBe(DEVICES);
    const byName = new Map(strings.map((s) => [s.name, s.authString]));
    const devices = (await stores.devices.list()).filter((d) => d.name.startsWith('SEPD'));
    expect(devices.map((d) => d.name).sort()).toEqual(names);
    for (const device of devices) {
      expect(device.version).toBe(2); // the half-written chunk's devices were not written again
      expect(device).toMatchObject({ operation: 'install', status: 'pending', authMode: 'auth-string' });
      expect(device.authString).toBe(hashAuthString(byName.get(device.name)!, new Uint8Array(KEY)));
    }
  });
});
