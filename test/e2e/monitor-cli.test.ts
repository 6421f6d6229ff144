// `capf report expiry` and `capf monitor run` on a data folder with no stack running: the report's rows, a dry run
// that changes nothing, then a run that writes the digest into <data>/outbox/ and a CRL <data>/capf.crl that openssl
// verifies against the data folder's CAPF CA.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateLocalCa } from '../../cli/local/ca-files.ts';
import { openLocalStore } from '../../cli/local/local-store.ts';
import { putLsc } from '../integration/monitor/monitor-fixture.ts';

const run = promisify(execFile);
const CAPF = join(process.cwd(), 'bin', 'capf.js');
let dataDir: string;
const serials: Record<string, string> = {};

async function capf(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    return { ...(await run(process.execPath, [CAPF, ...args, '--data', dataDir], { timeout: 60_000 })), code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'capf-monitor-cli-'));
  await loadOrCreateLocalCa(dataDir);
  const local = await openLocalStore(dataDir);
  try {
    const now = new Date();
    serials.expired = (await putLsc(local.store, now, 'SEP00000000E001', -2)).serialHex;
    serials.soon = (await putLsc(local.store, now, 'SEP00000000E002', 10)).serialHex;
    serials.later = (await putLsc(local.store, now, 'SEP00000000E003', 90)).serialHex;
  } finally {
    await local.close();
  }
}, 60_000);
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('capf report expiry / capf monitor run', () => {
  it('reports, dry-runs, runs: outbox digest to capf-admin@localhost and a CRL openssl verifies', async () => {
    const report = await capf('report', 'expiry', '--within', '30d', '--json');
    expect(report.code, report.stderr).toBe(0);
    const rows = JSON.parse(report.stdout) as Array<{ device: string; serialHex: string; state: string; daysLeft: number }>;
    expect(rows.map((r) => [r.device, r.serialHex, r.state])).toEqual([
      ['SEP00000000E001', serials.expired, 'installed'],
      ['SEP00000000E002', serials.soon, 'installed'],
    ]);
    expect(rows[1]!.daysLeft).toBeGreaterThan(9.9);

    const dry = await capf('monitor', 'run', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, revoked: [{ device: 'SEP00000000E001', cause: 'expired' }] });
    await expect(stat(join(dataDir, 'capf.crl'))).rejects.toThrow();

    const real = await capf('monitor', 'run');
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/email capf-admin@localhost: 2 new notices/);
    expect(real.stdout).toMatch(/CRL: number 1, 1 entries, published to .*capf\.crl/);
    // The metrics count every LSC, the 90-day one too (beyond the run's window), as the run found them.
    expect(real.stdout).toMatch(/certificates by state: issued 0, installed 3, /);
    expect(real.stdout).toMatch(/in service by days left: ≤1 day 1, ≤7 days 0, ≤30 days 1, >30 days [2-9]/);
    const outbox = await readdir(join(dataDir, 'outbox'));
    expect(outbox.filter((name) => name.endsWith('.eml'))).toHaveLength(1);
    expect(outbox.filter((name) => name.endsWith('.json'))).toHaveLength(1);
    const verify = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', join(dataDir, 'capf.crl'), '-noout', '-verify', '-CAfile', join(dataDir, 'capf-ca.pem')], { encoding: 'utf8' });
    expect(`${verify.stdout}${verify.stderr}`).toMatch(/verify OK/);

    const csv = await capf('report', 'expiry', '--within', '30d', '--csv');
    expect(csv.stdout.split('\n')[0]).toBe('kind,device,serial,notAfter,daysLeft,state');
    expect(csv.stdout).toContain(`lsc,SEP00000000E001,${serials.expired},`);
    expect(csv.stdout).toMatch(/SEP00000000E001,[0-9a-f]+,[^,]+,-[\d.]+,revoked/);

    const again = await capf('monitor', 'run', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ deliveries: [], revoked: [], crl: { published: false, crlNumber: 1 } });
    const bad = await capf('report', 'expiry', '--within', 'soon');
    expect(bad.code).toBe(1);
  });
});
