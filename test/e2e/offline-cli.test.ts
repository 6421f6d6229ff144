// The offline CA through the command line, as an administrator runs it: `capf serve --issuer offline` in one process
// (it prints the bucket), the phone simulator keeping its key (--key-out, then --pending-key), `capf csr list|count|
// dump|delete`, `capf cert import` of a certificate signed with openssl, and `capf stale-lsc list|report|delete all`.
// With capf serve running the commands go through its admin API (found by admin.json, or named by --endpoint), so a
// deleted CSR's object leaves the bucket too; `capf monitor run` and `capf report expiry` take the same way.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExternalCa, type ExternalCa } from '../support/external-ca.ts';
import { opensslVerify } from '../support/openssl.ts';

const run = promisify(execFile);
/** Each test runs a dozen `capf` processes (a few seconds each on a busy machine). */
const CLI_TIMEOUT_MS = 300_000;
const CAPF = join(process.cwd(), 'bin', 'capf.js');

let dataDir: string;
let serve: ChildProcess;
let port: number;
let banner = '';
let ca: ExternalCa;
let endpoint: string;

/** Every file under the local bucket's folder (s3rver keeps an object as files named after its key). */
async function bucketFiles(): Promise<string[]> {
  return (await readdir(join(dataDir, 'csr-bucket'), { recursive: true })).map(String);
}

function capf(...args: string[]) {
  return run(process.execPath, [CAPF, ...args], { env: { ...process.env, CAPF_DATA_DIR: dataDir }, timeout: 60_000 });
}

/** A command expected to fail: its exit code and stderr. */
async function capfFails(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  try {
    await capf(...args);
  } catch (error) {
    const failed = error as { code: number; stderr: string; stdout: string };
    return { code: failed.code, stderr: failed.stderr, stdout: failed.stdout };
  }
  throw new Error(`capf ${args.join(' ')} succeeded`);
}

beforeAll(async () => {
  ca = makeExternalCa({ name: 'CLI Offline' });
  dataDir = await mkdtemp(join(tmpdir(), 'capf-offline-cli-'));
  serve = spawn(process.execPath, [CAPF, 'serve', '--port', '0', '--host', '127.0.0.1', '--issuer', 'offline'], {
    env: { ...process.env, CAPF_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  port = await new Promise<number>((resolve, reject) => {
    serve.stdout?.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      const match = /listener:\s+127\.0\.0\.1:(\d+)/.exec(banner);
      if (match && banner.includes('signed/')) resolve(Number(match[1]));
    });
    serve.once('exit', (code) => reject(new Error(`capf serve exited with ${code}: ${banner}`)));
  });
  endpoint = /admin API:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
  await writeFile(join(dataDir, 'offline-root.pem'), ca.rootPem);
  await capf('trust', 'add', join(dataDir, 'offline-root.pem'), '--store', 'capf', '--description', 'offline CA root');
});

afterAll(async () => {
  if (serve?.exitCode === null) {
    const exited = new Promise((resolve) => serve.once('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
  }
  ca?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function phone(name: string, ...args: string[]) {
  return capf('phone', 'install', name, '--host', '127.0.0.1', '--port', String(port), ...args);
}

describe('the offline CA from the command line', () => {
  it('serve prints the bucket endpoint and where to drop signed certificates', () => {
    expect(banner).toMatch(/endpoint:\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toContain('s3://capf-csr/signed/');
    expect(banner).toContain(join(dataDir, 'csr-bucket'));
  });

  it('csr list/count/dump, cert import of an openssl-signed certificate, and the next session installs it', async () => {
    await capf('device', 'set', 'SEP00AA00BB00C1', '--operation', 'install');
    const keyPath = join(dataDir, 'phone1.key');
    const first = await phone('SEP00AA00BB00C1', '--key-out', keyPath);
    expect(first.stdout).toMatch(/END_SESSION 0/);
    expect((await capf('device', 'get', 'SEP00AA00BB00C1')).stdout).toMatch(/waiting for the offline CA/);

    const list = await capf('csr', 'list');
    expect(list.stdout).toMatch(/DEVICE\s+REQUESTED AT\s+KEY\s+AGE\s+STATE\s+NAME/);
    expect(list.stdout).toMatch(/SEP00AA00BB00C1\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\s+RSA 2048\s+\d+m\s+pending\s+\S+\.csr/);
    expect((await capf('csr', 'count')).stdout).toBe('1 pending, 0 imported\n');
    const csrPem = (await capf('csr', 'dump', 'SEP00AA00BB00C1')).stdout;
    expect(csrPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);

    const certPath = join(dataDir, 'SEP00AA00BB00C1.pem');
    await writeFile(certPath, ca.sign(csrPem));
    const refused = await capfFails('cert', 'import', join(dataDir, 'offline-root.pem'));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('refused NO_MATCHING_CSR');
    expect((await capf('cert', 'import', certPath, '--endpoint', endpoint)).stdout).toMatch(/api:SEP00AA00BB00C1\.pem: imported [0-9a-f]+ for SEP00AA00BB00C1/);

    const lscPath = join(dataDir, 'lsc1.pem');
    const second = await phone('SEP00AA00BB00C1', '--pending-key', keyPath, '--out', lscPath);
    expect(second.stdout).toMatch(/END_SESSION 1/);
    expect(opensslVerify(ca.rootPem, await readFile(lscPath, 'utf8'))).toMatch(/OK/);
    expect((await capf('device', 'get', 'SEP00AA00BB00C1')).stdout).toMatch(/status:\s+success/);

    const report = JSON.parse((await capf('report', 'expiry', '--within', '400d', '--json', '--endpoint', endpoint)).stdout) as { device: string; state: string }[];
    expect(report).toEqual(expect.arrayContaining([expect.objectContaining({ device: 'SEP00AA00BB00C1', state: 'installed' })]));
    const dry = JSON.parse((await capf('monitor', 'run', '--dry-run', '--json', '--endpoint', endpoint)).stdout) as { dryRun: boolean; certificates: number };
    expect(dry).toMatchObject({ dryRun: true });
    expect(dry.certificates).toBeGreaterThan(0);
  }, CLI_TIMEOUT_MS);

  it('stale-lsc list/report/delete all, and csr delete --all', async () => {
    await capf('device', 'set', 'SEP00AA00BB00C2', '--operation', 'install');
    await phone('SEP00AA00BB00C2');
    const older = (await capf('csr', 'list', '--json')).stdout;
    const olderName = (JSON.parse(older) as { name: string; deviceName: string }[]).find((csr) => csr.deviceName === 'SEP00AA00BB00C2')!.name;
    const olderPem = (await capf('csr', 'dump', olderName)).stdout;
    await phone('SEP00AA00BB00C2'); // a new key and CSR before the first is signed
    expect((await capf('csr', 'count', '--json')).stdout).toMatch(/"pending": 2/);

    const stalePath = join(dataDir, 'stale.pem');
    await writeFile(stalePath, ca.sign(olderPem));
    expect((await capf('cert', 'import', stalePath)).stdout).toContain('(stale: the phone made a newer CSR');
    expect((await capf('stale-lsc', 'list')).stdout).toMatch(/SEP00AA00BB00C2\s+[0-9a-f]+/);
    const csv = (await capf('stale-lsc', 'report', '--format', 'csv')).stdout.trim().split('\n');
    expect(csv[0]).toBe('deviceName,serialHex,subject,notAfter,importedAt,source,csr');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toMatch(/^SEP00AA00BB00C2,[0-9a-f]+,/);
    expect(JSON.parse((await capf('stale-lsc', 'report', '--format', 'json')).stdout)).toMatchObject({ count: 1, staleLscs: [{ deviceName: 'SEP00AA00BB00C2' }] });
    expect((await capf('stale-lsc', 'delete', 'all')).stdout).toBe('deleted 1 stale LSC\n');
    expect((await capf('stale-lsc', 'list')).stdout).toBe('no stale LSCs\n');

    expect((await capfFails('csr', 'dump', 'no-such.csr', '--endpoint', endpoint)).code).toBe(2);
    const newest = (JSON.parse((await capf('csr', 'list', '--json')).stdout) as { name: string; deviceName: string }[]).find((csr) => csr.deviceName === 'SEP00AA00BB00C2')!.name;
    expect((await bucketFiles()).some((file) => file.includes(newest))).toBe(true);
    expect((await capf('csr', 'delete', '--all', '--endpoint', endpoint)).stdout).toBe('deleted 1 pending CSR\n');
    expect((await bucketFiles()).some((file) => file.includes(newest))).toBe(false); // the object left the bucket too
    expect((await capf('csr', 'list')).stdout).toBe('no pending CSRs\n');
    const audit = (await capf('audit', 'list', '--json', '--limit', '1000')).stdout;
    const actions = (JSON.parse(audit) as { action: string }[]).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['stale-lsc.delete', 'csr.delete', 'certificate.import']));
  }, CLI_TIMEOUT_MS);
});
