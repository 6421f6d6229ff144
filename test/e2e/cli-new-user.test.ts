// What a new user tripped over in the CLI (issue 11 item 6), run as a user runs it: `capf serve` in one process and
// the admin commands and the phone simulator in others.
import { readFile } from 'node:fs/promises';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient, LOCAL_TABLE_NAME } from '../../cli/local/local-store.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';
import { capfRun, startServe, type ServeProcess } from '../support/capf-process.ts';

let folder: string;
let dataDir: string;
let serve: ServeProcess;
let env: NodeJS.ProcessEnv;

const capf = (...args: string[]) => capfRun(args, { env });

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capf-newuser-'));
  dataDir = join(folder, 'data');
  env = { ...process.env, CAPF_DATA_DIR: dataDir };
  serve = await startServe(['--port', '0', '--host', '127.0.0.1'], env);
});

afterAll(async () => {
  await serve?.stop();
  await rm(folder, { recursive: true, force: true });
});

/** One line on stderr, and the exit code. */
function expectOneLineError(run: { stderr: string; code: number }, code: number, pattern: RegExp): void {
  expect(run.code).toBe(code);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('device names', () => {
  it('a lower-case name is the same device, upper-cased as CUCM does', async () => {
    const created = await capf('device', 'set', 'sep00112233aa01', '--operation', 'install');
    expect(created.stdout).toMatch(/^created device SEP00112233AA01\n/);
    const again = await capf('device', 'set', 'SEP00112233AA01', '--key-order', 'ec');
    expect(again.stdout).toMatch(/^changed device SEP00112233AA01\n/);
  });

  it.each(['FOO', 'SEP0011', 'SEP001122334455AABB'])('refuses %j with what a valid name looks like (exit 1)', async (name) => {
    expectOneLineError(await capf('device', 'set', name), 1, /^capf: INVALID_DEVICE_NAME: .*SEP \+ its MAC address as 12 hex digits/);
  });
});

describe('authentication string flags', () => {
  it('--generate alone switches to auth-string, says so, and the string is kept', async () => {
    const set = await capf('device', 'set', 'SEP00112233AA02', '--operation', 'install', '--generate');
    expect(set.code).toBe(0);
    expect(set.stderr).toMatch(/auth mode set to auth-string \(--generate/);
    expect(set.stdout).toMatch(/authentication string: \d{8}/);
    expect(set.stdout).toMatch(/auth mode:\s+auth-string \(string set\)/);
  });

  it('refuses --auth-string with --generate naming both, and changes nothing', async () => {
    expectOneLineError(await capf('device', 'set', 'SEP00112233AA03', '--auth-string', 'abcd', '--generate'), 1, /--auth-string and --generate/);
    expect((await capf('device', 'get', 'SEP00112233AA03')).code).toBe(2);
  });
});

describe('deadlines', () => {
  it('refuses a deadline in the past', async () => {
    expectOneLineError(await capf('device', 'set', 'SEP00112233AA04', '--operation', 'install', '--completes-by', '2020-01-01'), 1, /is in the past/);
  });

  it('an expired operation says "expired at T" to the phone and in the status; a new operation has no deadline', async () => {
    const advertised = JSON.parse(await readFile(join(dataDir, 'store.json'), 'utf8')) as { endpoint: string };
    const client = createDynamoClient(advertised.endpoint);
    const store = createDynamoStores({ client, tableName: LOCAL_TABLE_NAME });
    const past = '2021-03-04T05:06:07.000Z';
    await store.devices.put({ name: 'SEP00112233AA05', operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256', completesBy: past }, { newOperation: true });
    client.destroy();
    const phone = await capf('phone', 'install', 'SEP00112233AA05', '--port', String(serve.listenerPort));
    expect(phone.code).toBe(1);
    expect(phone.stdout).toMatch(/END_SESSION 0 \(no action\): operation install expired at 2021-03-04T05:06:07.000Z/);
    expect(phone.stderr).toMatch(/expired at 2021-03-04T05:06:07.000Z/);
    const get = await capf('device', 'get', 'SEP00112233AA05');
    expect(get.stdout).toMatch(/status:\s+failed: operation expired at 2021-03-04T05:06:07.000Z/);
    const rearm = await capf('device', 'set', 'SEP00112233AA05', '--operation', 'install', '--json');
    expect(JSON.parse(rearm.stdout)).not.toHaveProperty('completesBy');
  });
});

describe('output', () => {
  it('device list: a header, filters, --json, and a line when nothing matches', async () => {
    const list = await capf('device', 'list', '--prefix', 'sep00112233aa0');
    expect(list.stdout).toMatch(/^NAME\s+OPERATION\s+STATUS\s+DEADLINE\s+LSC\n/);
    expect(list.stdout).toMatch(/SEP00112233AA01\s+install\s+pending/);
    const json = JSON.parse((await capf('device', 'list', '--status', 'pending', '--json')).stdout) as { name: string; status: string }[];
    expect(json.length).toBeGreaterThan(0);
    expect(json.every((d) => d.status === 'pending')).toBe(true);
    expect(JSON.stringify(json)).not.toMatch(/"authString"/);
    expect((await capf('device', 'list', '--limit', '1', '--json')).stdout).toMatch(/^\[\n {2}\{/);
    expect(JSON.parse((await capf('device', 'list', '--limit', '1', '--json')).stdout)).toHaveLength(1);
    // While capf serve runs, the commands go through its admin API (found through <data>/admin.json).
    expect((await capf('device', 'list', '--status', 'in-progress')).stdout).toBe(`no devices matching --status in-progress in admin API ${serve.adminUrl}\n`);
  });

  it('device delete says what it did; a second delete is "not found" (exit 2)', async () => {
    await capf('device', 'set', 'SEP00112233AA09');
    expect((await capf('device', 'delete', 'sep00112233aa09')).stdout).toBe(`deleted device SEP00112233AA09 (admin API ${serve.adminUrl})\n`);
    expectOneLineError(await capf('device', 'delete', 'SEP00112233AA09'), 2, /^capf: NOT_FOUND: no device named SEP00112233AA09/);
  });

  it('params get is a table unless --json', async () => {
    const table = await capf('params', 'get');
    expect(table.stdout).toMatch(/^issuer in use: capf-software\nPARAMETER\s+VALUE\s+ALLOWED\s+MEANING\n/);
    expect(table.stdout).toMatch(/validity-days\s+\d+/);
    expect(JSON.parse((await capf('params', 'get', '--json')).stdout)).toHaveProperty('lscValidityDays');
  });

  it('--version, and every option of device set describes its allowed values', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect((await capf('--version')).stdout.trim()).toBe(version);
    const help = (await capf('device', 'set', '--help')).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--operation <op> .*none, install, delete, fetch/);
    expect(help).toMatch(/--auth-mode <mode>\s+.*null-string, auth-string, lsc-precedence, mic-precedence/);
    expect(help).toMatch(/--rsa-size <bits>\s+.*1024, 2048, 3072, 4096/);
    expect(help).toMatch(/--curve <curve>\s+.*P-256, P-384, P-521/);
    expect(help).toMatch(/--key-order <order>\s+.*rsa, ec, ec-rsa/);
  });
});

describe('capf serve cannot start: one line, exit 1', () => {
  it('the port is in use', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      expectOneLineError(await capfRun(['serve', '--data', join(folder, 'busy'), '--port', String(port), '--host', '127.0.0.1']), 1, new RegExp(`^capf: PORT_IN_USE: port ${port} is in use .*--port`));
    } finally {
      busy.close();
    }
  });

  it('the bind address is not on this machine', async () => {
    expectOneLineError(await capfRun(['serve', '--data', join(folder, 'remote'), '--port', '0', '--host', '192.0.2.1']), 1, /^capf: ADDRESS_NOT_LOCAL: address 192\.0\.2\.1 is not on this machine: pass --host with one of .*127\.0\.0\.1/);
  });

  it('the data folder is a file, or cannot be created', async () => {
    const file = join(folder, 'a-file');
    await writeFile(file, 'x');
    expectOneLineError(await capfRun(['serve', '--data', file, '--port', '0']), 1, /^capf: DATA_DIR_NOT_FOLDER: data folder .* is a file/);
    expectOneLineError(await capfRun(['serve', '--data', join(file, 'sub'), '--port', '0']), 1, /^capf: DATA_DIR_NOT_WRITABLE: .*pass --data/);
  });
});

describe('the data folder', () => {
  it('is found in a folder above, as git finds .git, and a new one is announced', async () => {
    const project = join(folder, 'project');
    await mkdir(join(project, 'sub', 'deeper'), { recursive: true });
    const noDataDir = { ...process.env };
    delete noDataDir.CAPF_DATA_DIR;
    const first = await capfRun(['device', 'list'], { env: noDataDir, cwd: project });
    expect(first.stderr).toMatch(new RegExp(`created the data folder ${join(project, '.capf').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    const below = await capfRun(['device', 'list'], { env: noDataDir, cwd: join(project, 'sub', 'deeper') });
    expect(below.stderr).toBe('');
    expect(below.stdout).toBe(`no devices in data folder ${join(project, '.capf')}\n`);
  });
});

describe('Ctrl-C with a phone mid-session', () => {
  // `capf serve` runs one listener process per core by default: the budget covers starting them on a busy machine.
  it('the first says how many sessions are open (in every listener process) and the grace left; the second stops at once, recording them interrupted', { timeout: 180_000 }, async () => {
    const ownEnv = { ...process.env, CAPF_DATA_DIR: join(folder, 'ctrl-c') };
    const own = await startServe(['--port', '0', '--host', '127.0.0.1'], ownEnv);
    await capfRun(['device', 'set', 'SEP00112233AA0C', '--operation', 'install'], { env: ownEnv });
    const phone = capfRun(['phone', 'install', 'SEP00112233AA0C', '--port', String(own.listenerPort), '--silent-after', 'store-request', '--timeout', '120000'], { env: ownEnv });
    try {
      await expect.poll(async () => JSON.parse((await capfRun(['device', 'get', 'SEP00112233AA0C', '--json'], { env: ownEnv })).stdout).status, { timeout: 30_000 }).toBe('in-progress');
      own.child.kill('SIGINT');
      await expect.poll(() => own.output().stderr, { timeout: 10_000 }).toMatch(/SIGINT: stopping; 1 session open, waiting up to 30 s for them to finish \(Ctrl-C again to stop now\)/);
      own.child.kill('SIGINT');
      await own.exited;
      expect(own.output().stderr).toMatch(/SIGINT again: stopping now \(\d+ s of grace left\); 1 open session recorded as interrupted/);
    } finally {
      await own.stop();
    }
    expect((await phone).stdout).toMatch(/END_SESSION 7|no END_SESSION/);
    const device = JSON.parse((await capfRun(['device', 'get', 'SEP00112233AA0C', '--json'], { env: ownEnv })).stdout) as { status: string; statusReason: string };
    expect(device).toMatchObject({ status: 'failed', statusReason: expect.stringMatching(/^interrupted: capf serve was stopped/) });
  });
});
