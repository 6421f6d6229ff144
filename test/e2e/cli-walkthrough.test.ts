// The README's walk-through, as a user runs it: `capf serve` in one process, the admin commands and the phone
// simulator in others, against the same data folder while the stack runs; the LSC verifies with openssl.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMETERS_CACHE_MS } from '../../shared/domain/parameters-cache.ts';
import { opensslText, opensslVerify } from '../support/openssl.ts';

const run = promisify(execFile);
const CAPF = join(process.cwd(), 'bin', 'capf.js');

let dataDir: string;
let serve: ChildProcess;
let port: number;

function capf(...args: string[]) {
  return run(process.execPath, [CAPF, ...args], { env: { ...process.env, CAPF_DATA_DIR: dataDir }, timeout: 60_000 });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'capf-cli-'));
  serve = spawn(process.execPath, [CAPF, 'serve', '--port', '0', '--host', '127.0.0.1'], { env: { ...process.env, CAPF_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    serve.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listener:\s+127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    serve.once('exit', (code) => reject(new Error(`capf serve exited with ${code}: ${out}`)));
  });
});

afterAll(async () => {
  if (serve.exitCode === null) {
    const exited = new Promise((resolve) => serve.once('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('capf serve + device + phone, as in the README', () => {
  it('enrols SEP001122334455: the LSC verifies against capf-ca.pem and `device get` shows it with its status', async () => {
    const set = await capf('device', 'set', 'SEP001122334455', '--operation', 'install');
    expect(set.stdout).toMatch(/operation:\s+install/);
    const lscPath = join(dataDir, 'lsc.pem');
    const phone = await capf('phone', 'install', 'SEP001122334455', '--host', '127.0.0.1', '--port', String(port), '--out', lscPath);
    expect(phone.stdout).toMatch(/END_SESSION 1/);
    const lsc = await readFile(lscPath, 'utf8');
    const caPem = await readFile(join(dataDir, 'capf-ca.pem'), 'utf8');
    expect(opensslVerify(caPem, lsc)).toMatch(/OK/);
    expect(opensslText(lsc)).toMatch(/Digital Signature, Key Encipherment/);
    const get = await capf('device', 'get', 'SEP001122334455');
    expect(get.stdout).toMatch(/status:\s+success/);
    expect(get.stdout).toContain(lsc.trim());
    const serial = /LSC:\s+serial ([0-9a-f]+)/.exec(get.stdout)?.[1] as string;
    expect(get.stdout).toMatch(new RegExp(`certificates: 1 issued or requested[\\s\\S]*installed\\s+serial ${serial} until`));
    // --json: the same records, as the `certificates` array (issue 10: every certificate with its state).
    const json = JSON.parse((await capf('device', 'get', 'SEP001122334455', '--json')).stdout) as { certificates?: { state: string; serialHex?: string }[] };
    expect(json.certificates).toEqual([expect.objectContaining({ state: 'installed', serialHex: serial })]);
    const list = await capf('device', 'list');
    expect(list.stdout).toMatch(/^NAME\s+OPERATION\s+STATUS\s+DEADLINE\s+LSC\n/);
    expect(list.stdout).toMatch(/SEP001122334455\s+none\s+success\s+-\s+until /);
  });

  it('a parameter change applies within the parameter cache lifetime, without a restart: a 30-day validity shows in the next LSC', async () => {
    const set = await capf('params', 'set', '--validity-days', '30');
    const changedAt = Date.now();
    expect(set.stderr).toMatch(/apply this within 5 s/);
    await capf('device', 'set', 'SEP0011223344AA', '--operation', 'install', '--key-order', 'ec', '--curve', 'P-384');
    const lscPath = join(dataDir, 'lsc-ec.pem');
    await sleep(Math.max(0, changedAt + DEFAULT_PARAMETERS_CACHE_MS + 100 - Date.now()));
    await capf('phone', 'install', 'SEP0011223344AA', '--host', '127.0.0.1', '--port', String(port), '--out', lscPath);
    const text = opensslText(await readFile(lscPath, 'utf8'));
    const notBefore = Date.parse(/Not Before: (.+)/.exec(text)?.[1] ?? '');
    const notAfter = Date.parse(/Not After : (.+)/.exec(text)?.[1] ?? '');
    expect(Math.round((notAfter - notBefore) / 86_400_000)).toBe(30);
    expect(text).toMatch(/ASN1 OID: secp384r1/);
  });

  it('a generated authentication string is printed once, works once, and the phone typing another fails', async () => {
    const set = await capf('device', 'set', 'SEP0011223344CC', '--operation', 'install', '--auth-mode', 'auth-string', '--generate');
    const generated = /authentication string: (\d{8})/.exec(set.stdout)?.[1] as string;
    expect(generated).toMatch(/^\d{8}$/);
    const phone = (password: string) => capf('phone', 'install', 'SEP0011223344CC', '--host', '127.0.0.1', '--port', String(port), '--password', password);
    await expect(phone(generated === '00000000' ? '11111111' : '00000000')).rejects.toMatchObject({ stdout: expect.stringMatching(/END_SESSION 7/) });
    expect((await phone(generated)).stdout).toMatch(/END_SESSION 1/);
    const get = await capf('device', 'get', 'SEP0011223344CC', '--json');
    expect(get.stdout).not.toContain(generated);
    const shown = JSON.parse(get.stdout) as { lsc: { serialHex: string; sha256Fingerprint: string } };
    expect(shown).toMatchObject({ status: 'success', operation: 'none', certificates: [{ state: 'installed', serialHex: shown.lsc.serialHex, sha256Fingerprint: shown.lsc.sha256Fingerprint }] });
  });

  it('bad admin input gets a specific error and changes nothing', async () => {
    await expect(capf('device', 'set', 'SEP0011223344BB', '--rsa-size', '512')).rejects.toMatchObject({ stderr: expect.stringMatching(/1024, 2048, 3072, 4096/) });
    const get = await capf('device', 'get', 'SEP0011223344BB').catch((error: { stderr: string }) => error);
    expect('stderr' in get ? get.stderr : '').toMatch(/no device named SEP0011223344BB/);
  });
});
