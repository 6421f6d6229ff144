// `capf bulk run|list|show|cancel|strings` as a user runs them (issue 14): against a real `capf serve` (the job runs in
// the server's process) and over a data folder with nothing running (the job runs in the command's own process).
// Dry run with the count and a sample, a job with unique strings followed to its end (plain progress lines: no TTY),
// show with a failure's reason, the strings once then refused, a scheduled job cancelled, the exit codes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capfRun, startServe, type ServeProcess } from '../support/capf-process.ts';

let folder: string;
let serve: ServeProcess;
let servedEnv: NodeJS.ProcessEnv;
let folderEnv: NodeJS.ProcessEnv;

const DEVICES = Array.from({ length: 12 }, (_, i) => `SEP00000000B${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capf-bulk-cli-'));
  servedEnv = { ...process.env, CAPF_DATA_DIR: join(folder, 'served') };
  folderEnv = { ...process.env, CAPF_DATA_DIR: join(folder, 'folder') };
  delete servedEnv.CAPF_ENDPOINT;
  delete folderEnv.CAPF_ENDPOINT;
  serve = await startServe(['--port', '0', '--host', '127.0.0.1'], servedEnv);
  await writeFile(join(folder, 'devices.csv'), `DEVICE NAME,CAPF OPERATION\n${DEVICES.map((name) => `${name},No Pending Operation`).join('\n')}\n`);
  await writeFile(join(folder, 'names.csv'), `DEVICE NAME,DESCRIPTION\n${DEVICES[1]},lobby\n${DEVICES[2]},desk\nSEP00000000BFFF,gone\n${DEVICES[3]},lab\n`);
}, 120_000);

afterAll(async () => {
  await serve?.stop();
  await rm(folder, { recursive: true, force: true });
});

async function walkthrough(env: NodeJS.ProcessEnv): Promise<void> {
  const capf = (...args: string[]) => capfRun(args, { env, timeoutMs: 120_000 });
  const imported = await capf('device', 'import', join(folder, 'devices.csv'));
  expect(imported.code, imported.stderr).toBe(0);

  const dry = await capf('bulk', 'run', '--action', 'upgrade', '--pattern', 'SEP00000000B00?', '--unique-strings', '--dry-run');
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).toContain(`dry run: install would apply to 10 devices, e.g. ${DEVICES.slice(0, 10).join(', ')}; nothing created`);
  const dryJson = await capf('bulk', 'run', '--action', 'delete', '--prefix', 'sep00000000b01', '--dry-run', '--json');
  expect(JSON.parse(dryJson.stdout)).toEqual({ dryRun: true, count: 2, sample: DEVICES.slice(10) });
  expect((await capf('bulk', 'list', '--json')).stdout).toContain('"jobs": []');

  // Followed to its end: plain progress lines on stderr, the outcome on stdout; one name does not exist (exit 1).
  const ran = await capf('bulk', 'run', '--action', 'install', '--names', join(folder, 'names.csv'), '--unique-strings', '--deadline', '7d');
  expect(ran.code, ran.stderr).toBe(1);
  const id = /bulk job (\d{8}-[0-9a-f]{8}): install on 4 devices/.exec(ran.stdout)?.[1] as string;
  expect(id, ran.stdout).toBeDefined();
  expect(ran.stderr).toMatch(new RegExp(`job ${id} done: 4/4 \\(1 failed\\)`));
  expect(ran.stdout).toContain(`job ${id} done: 3 done, 1 failed of 4 (reasons: capf bulk show ${id})`);
  expect(ran.stdout).toContain(`capf bulk strings ${id} > strings.csv`);

  const shown = await capf('bulk', 'show', id);
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toContain('progress:   3 done, 1 failed, 0 remaining of 4');
  expect(shown.stdout).toMatch(/SEP00000000BFFF: DEVICE_NOT_FOUND/);
  const device = JSON.parse((await capf('device', 'get', DEVICES[2]!, '--json')).stdout) as Record<string, unknown>;
  expect(device).toMatchObject({ operation: 'install', status: 'pending', authMode: 'auth-string', authStringSet: true });
  // The export filter by authentication mode: the job's three devices, no string in the file.
  const exported = await capf('device', 'export', '--auth-mode', 'auth-string');
  expect(exported.code, exported.stderr).toBe(0);
  expect(exported.stdout.trim().split(/\r?\n/).slice(1).map((line) => line.split(',')[0])).toEqual([DEVICES[1], DEVICES[2], DEVICES[3]]);
  expect((await capf('device', 'export', '--auth-mode', 'guess')).code).toBe(1);

  const strings = await capf('bulk', 'strings', id);
  expect(strings.code, strings.stderr).toBe(0);
  const lines = strings.stdout.trim().split('\n');
  expect(lines[0]).toBe('device,string');
  const rows = lines.slice(1).map((line) => line.split(','));
  expect(rows.map((row) => row[0])).toEqual([DEVICES[1], DEVICES[2], DEVICES[3]]);
  expect(rows.every((row) => /^\d{8}$/.test(row[1]!))).toBe(true);
  expect(new Set(rows.map((row) => row[1])).size).toBe(3);
  const again = await capf('bulk', 'strings', id);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/^capf: STRINGS_SHOWN: .*\n$/);
  expect(again.stdout).toBe('');

  // Scheduled for later, then cancelled; the exit codes of what cannot be done.
  const scheduled = await capf('bulk', 'run', '--action', 'troubleshoot', '--status', 'none', '--at', '2h', '--json');
  expect(scheduled.code, scheduled.stderr).toBe(0);
  const later = JSON.parse(scheduled.stdout) as { job: { id: string; state: string; operation: string }; count: number };
  expect(later).toMatchObject({ count: 9, job: { state: 'scheduled', operation: 'fetch' } });
  const cancelled = await capf('bulk', 'cancel', later.job.id, '--json');
  expect(JSON.parse(cancelled.stdout)).toMatchObject({ job: { id: later.job.id, state: 'cancelled' } });
  expect((await capf('bulk', 'cancel', later.job.id)).code).toBe(1);
  expect((await capf('bulk', 'show', '20261203-00000000')).code).toBe(2);
  const listed = JSON.parse((await capf('bulk', 'list', '--json')).stdout) as { jobs: { id: string; state: string }[] };
  expect(listed.jobs.map((j) => `${j.id} ${j.state}`)).toEqual([`${later.job.id} cancelled`, `${id} done`]);
  const conflicting = await capf('bulk', 'run', '--action', 'install', '--prefix', 'SEP', '--shared-string', '12345678', '--unique-strings');
  expect(conflicting).toMatchObject({ code: 1, stdout: '' });
}

describe('capf bulk', () => {
  it('against capf serve: dry run, a run with unique strings, show, strings once, cancel', async () => {
    await walkthrough(servedEnv);
  }, 300_000);

  it('over the data folder with nothing running: the same, the job run in the command\'s process', async () => {
    await walkthrough(folderEnv);
  }, 300_000);

  it('an admin API that does not answer is exit 3', async () => {
    const down = await capfRun(['bulk', 'list', '--endpoint', 'http://127.0.0.1:1'], { env: { ...folderEnv, CAPF_ADMIN_TOKEN: 'a'.repeat(43) } });
    expect(down.code).toBe(3);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
  });
});
