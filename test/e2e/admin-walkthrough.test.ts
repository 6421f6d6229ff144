// Issue 11's end-to-end walk: `capf serve`, then only the CLI through the admin API (--endpoint, the token from the
// data folder): create a device, trust the manufacturing CA that issued its MIC, arm an install, enrol with
// `capf phone` authenticating by that MIC, and read the audit trail with the administrator's changes and the phone's
// outcomes. A first attempt before the CA is trusted is refused, and that shows in the trail and the status too.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/ports/index.ts';
import { opensslVerify } from '../support/openssl.ts';
import { capfRun, startServe, type ServeProcess } from '../support/capf-process.ts';
import { issueDeviceCertificate, makeManufacturingCa } from '../support/test-pki.ts';

const DEVICE = 'SEP00112233E2E1';

let folder: string;
let dataDir: string;
let files: string;
let serve: ServeProcess;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capf-admin-e2e-'));
  dataDir = join(folder, 'data');
  files = join(folder, 'files');
  await mkdir(files, { recursive: true });
  env = { ...process.env, CAPF_DATA_DIR: dataDir };
  delete env.CAPF_ENDPOINT;
  serve = await startServe(['--port', '0', '--host', '127.0.0.1'], env);
});

afterAll(async () => {
  await serve?.stop();
  await rm(folder, { recursive: true, force: true });
});

/** Every admin command goes to the API the running stack printed. */
const capf = (...args: string[]) => capfRun([...args, '--endpoint', serve.adminUrl as string], { env });
const phone = (...args: string[]) => capfRun(['phone', 'install', DEVICE, '--port', String(serve.listenerPort), '--data', dataDir, ...args], { env, timeoutMs: 90_000 });

async function trail(): Promise<AuditEvent[]> {
  const run = await capf('audit', 'list', '--device', DEVICE, '--since', '1h', '--json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as AuditEvent[];
}

describe('administering a local stack only through the CLI and its API', () => {
  it('device, trust, arm, enrol with a MIC, audit', async () => {
    expect(serve.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const manufacturer = await makeManufacturingCa('Walk-Manufacturing-CA');
    const mic = await issueDeviceCertificate(manufacturer, DEVICE);
    await writeFile(join(files, 'manufacturer.pem'), manufacturer.certificatePem);
    await writeFile(join(files, 'mic.pem'), mic.certificatePem);
    await writeFile(join(files, 'mic.key'), mic.privateKeyPem, { mode: 0o600 });

    const created = await capf('device', 'set', DEVICE, '--operation', 'install', '--auth-mode', 'mic-precedence');
    expect(created.stdout, created.stderr).toMatch(new RegExp(`^created device ${DEVICE}\\n`));

    // Before its CA is in CAPF-trust the MIC does not authenticate: the phone is refused and the status says why.
    const early = await phone('--cert', join(files, 'mic.pem'), '--key', join(files, 'mic.key'));
    expect(early.code).not.toBe(0);
    expect(JSON.parse((await capf('device', 'get', DEVICE, '--json')).stdout)).toMatchObject({ status: 'failed' });

    const trusted = await capf('trust', 'add', join(files, 'manufacturer.pem'), '--store', 'capf', '--description', 'phone manufacturing CA');
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toMatch(/CAPF-trust: 1 added/);
    const armed = await capf('device', 'set', DEVICE, '--operation', 'install');
    expect(armed.code, armed.stderr).toBe(0);

    const enrolled = await phone('--cert', join(files, 'mic.pem'), '--key', join(files, 'mic.key'), '--out', join(files, 'lsc.pem'));
    expect(enrolled.code, `${enrolled.stdout}${enrolled.stderr}`).toBe(0);
    expect(JSON.parse((await capf('device', 'get', DEVICE, '--json')).stdout)).toMatchObject({ name: DEVICE, status: 'success' });
    await capf('ca', 'export', '--out', join(files, 'capf.pem'));
    expect(opensslVerify(await readFile(join(files, 'capf.pem'), 'utf8'), await readFile(join(files, 'lsc.pem'), 'utf8'))).toMatch(/OK/);

    // The trail: the administrator's changes (actor local) and both sessions' outcomes (actor phone), newest first.
    await expect
      .poll(async () => (await trail()).filter((e) => e.action === 'session.end').map((e) => e.result), { timeout: 30_000, interval: 1_000 })
      .toEqual(['ok', 'failed']);
    const events = await trail();
    const summary = events.map((e) => `${e.actor} ${e.action} ${e.result}`);
    expect(summary).toEqual(expect.arrayContaining(['local device.create ok', 'phone session.end ok', 'phone session.end failed']));
    expect(summary.filter((line) => line.startsWith('local device.')).length).toBeGreaterThanOrEqual(2);
    const all = JSON.parse((await capf('audit', 'list', '--since', '1h', '--json')).stdout) as AuditEvent[];
    expect(all.map((e) => `${e.actor} ${e.action} ${e.result}`)).toContain('local trust.add ok');
    const byPhone = JSON.parse((await capf('audit', 'list', '--since', '1h', '--actor', 'phone', '--json')).stdout) as AuditEvent[];
    expect(byPhone.filter((e) => e.action === 'session.end')).toHaveLength(2);
    expect(byPhone.every((e) => e.actor === 'phone')).toBe(true);
    const byNobody = await capf('audit', 'list', '--actor', 'nobody');
    expect(byNobody.stdout).toMatch(/^no audit events by nobody in /);
    const table = await capf('audit', 'list', '--device', DEVICE);
    expect(table.stdout).toMatch(new RegExp(`phone\\s+session\\.end\\s+${DEVICE}\\s+ok`));
    expect(table.stdout).toMatch(new RegExp(`local\\s+device\\.create\\s+${DEVICE}\\s+ok`));
    // A dozen capf processes, each loading the CLI: room for a busy machine.
  }, 300_000);
});
