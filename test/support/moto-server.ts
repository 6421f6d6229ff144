// Starts a moto_server on 127.0.0.1 at a free port and stops it by its PID. The run's shared instance comes from
// test/global-setup.ts; a test that must read moto's whole state (GET /moto-api/data.json) starts its own, so other
// test files' data neither slows that read down nor breaks it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(endpoint: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`moto_server did not answer at ${endpoint} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface MotoServer {
  endpoint: string;
  process: ChildProcess;
  stop(): void;
}

export async function startMotoServer(deadlineMs = 30_000): Promise<MotoServer> {
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  if (which.status !== 0) {
    throw new Error("moto_server is not installed: install it with pip install 'moto[server]' (moto 5.2) and retry");
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', detached: false });
  try {
    await waitReady(endpoint, deadlineMs);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return { endpoint, process: child, stop: () => void child.kill('SIGTERM') };
}
