// `capf trust` and `capf ca` as an administrator types them, on a data folder with no stack running: output, --json,
// one-line errors and the exit codes (0 ok, 1 refused or invalid, 2 not found).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeChain } from '../support/trust-pki.ts';

const run = promisify(execFile);
const CAPF = join(process.cwd(), 'bin', 'capf.js');
let dataDir: string;

async function capf(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    return { ...(await run(process.execPath, [CAPF, ...args, '--data', dataDir], { timeout: 60_000 })), code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'capf-trust-cli-'));
  const chain = await makeChain('Cli');
  await writeFile(join(dataDir, 'partial.pem'), chain.https.pem + chain.intermediate.pem);
  await writeFile(join(dataDir, 'chain.pem'), chain.https.pem + chain.intermediate.pem + chain.root.pem);
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('capf trust / capf ca on a data folder', () => {
  it('refuses an incomplete chain in one line with exit 1, then adds the full one and lists it', async () => {
    const refused = await capf('trust', 'add', join(dataDir, 'partial.pem'), '--store', 'capf');
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^capf: INCOMPLETE_CHAIN: incomplete chain: "CN=Cli Issuing CA, O=Cli" was issued by "CN=Cli Root CA, O=Cli" \(key id [0-9a-f]{40}\)/)]);

    const added = await capf('trust', 'add', join(dataDir, 'chain.pem'), '--store', 'capf', '--description', 'AD CS site', '--json');
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ store: 'capf', chains: [{ scenario: 'intermediate', number: 3 }], added: [{}, {}, {}] });

    const listed = await capf('trust', 'list', '--store', 'capf');
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+STORE\s+NOT AFTER\s+SUBJECT\s+DESCRIPTION$/);
    expect(listed.stdout).toContain('CN=Cli Root CA, O=Cli');
    expect((await capf('trust', 'list', '--store', 'callmanager')).stdout.trim()).toBe('no certificates in CallManager-trust');
  });

  it('not found is exit 2, a bad id or store exit 1', async () => {
    const missing = await capf('trust', 'show', 'deadbeef00');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^capf: NOT_FOUND: no certificate deadbeef00/);
    expect((await capf('trust', 'remove', 'xyz')).code).toBe(1);
    expect((await capf('trust', 'list', '--store', 'phones')).code).toBe(1);
  });

  it('ca export writes the certificate (never the key); ca import refuses a key that is not the certificate\'s', async () => {
    const out = join(dataDir, 'capf-export.pem');
    const exported = await capf('ca', 'export', '--out', out);
    expect(exported.code, exported.stderr).toBe(0);
    const pem = await readFile(out, 'utf8');
    expect(pem).toBe(await readFile(join(dataDir, 'capf-ca.pem'), 'utf8'));
    expect(pem).not.toContain('PRIVATE KEY');
    const shown = JSON.parse((await capf('ca', 'show', '--json')).stdout) as { subject: string; key: string; previous: unknown[] };
    expect(shown).toMatchObject({ subject: expect.stringMatching(/^CN=CAPF-/), key: 'RSA 2048', previous: [] });

    await writeFile(join(dataDir, 'other.key'), (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const refused = await capf('ca', 'import', '--cert', out, '--key', join(dataDir, 'other.key'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^capf: KEY_MISMATCH: /);
    expect(refused.stderr).not.toContain('PRIVATE KEY');
  });
});
