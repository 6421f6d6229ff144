// `capf serve --workers 2 --issuer offline` starts (it was refused before): two listener processes, and the banner
// names the offline CA's bucket that the primary runs for all of them; Ctrl-C stops it cleanly.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CAPF = join(process.cwd(), 'bin', 'capf.js');
let dataDir: string | undefined;
afterAll(() => (dataDir ? rm(dataDir, { recursive: true, force: true }) : undefined));

describe('capf serve --workers 2 --issuer offline', () => {
  it('starts two listener processes with one bucket, printed in the banner', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'capf-serve-cluster-offline-'));
    const serve = spawn(process.execPath, [CAPF, 'serve', '--port', '0', '--admin-port', '0', '--host', '127.0.0.1', '--issuer', 'offline', '--workers', '2', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let banner = '';
    const started = await new Promise<boolean>((resolve) => {
      serve.stdout.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        if (banner.includes('signed/')) resolve(true);
      });
      serve.once('exit', () => resolve(false));
    });
    const exited = new Promise<number | null>((resolve) => (serve.exitCode !== null ? resolve(serve.exitCode) : serve.once('exit', (code) => resolve(code))));
    if (started) serve.kill('SIGINT');
    expect(started, banner).toBe(true);
    expect(banner).toMatch(/\(TLS TLSv1\.2\+, 2 listener processes\)/);
    expect(banner).toMatch(/issuer:\s+offline/);
    expect(banner).toMatch(/endpoint:\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(await exited).toBe(0);
  }, 120_000);
});
