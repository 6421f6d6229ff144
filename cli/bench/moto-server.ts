// moto_server, the AWS stand-in of the tests and of the listener start measurement in `capf bench`: the command comes
// from scripts/ensure-moto.sh (moto_server on the PATH, else a project-local virtual environment it creates once),
// and the server runs on 127.0.0.1 at a port nobody else holds.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CapfError } from '../../shared/errors.ts';

const ENSURE_MOTO = fileURLToPath(new URL('../../scripts/ensure-moto.sh', import.meta.url));
const SERIALISED = fileURLToPath(new URL('../../scripts/moto-serialized.py', import.meta.url));
const READY_WITHIN_MS = 30_000;

export interface MotoServer {
  endpoint: string;
  stop(): void;
}

/**
 * The moto_server command, provisioned if need be. The script's one-line notices go to this process's stderr; when it
 * cannot provide moto_server, the CapfError carries its one-line reason.
 */
export function motoServerCommand(): string {
  const run = spawnSync('bash', [ENSURE_MOTO], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const notices = run.stderr.trim().split('\n').filter(Boolean);
  const command = run.stdout.trim().split('\n').at(-1);
  if (run.status !== 0 || !command) {
    const reason = notices.pop() ?? `scripts/ensure-moto.sh failed (exit ${run.status ?? run.signal})`;
    for (const notice of notices) process.stderr.write(`${notice}\n`);
    throw new CapfError(reason, 'MOTO_UNAVAILABLE');
  }
  for (const notice of notices) process.stderr.write(`${notice}\n`);
  return command;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startMotoServer(command = motoServerCommand()): Promise<MotoServer> {
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const [program, ...args] = serialisedLauncher(command);
  const moto = spawn(program as string, [...args, '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise<never>((_, reject) => {
    moto.once('error', (error) => reject(new CapfError(`${command} did not start: ${error.message}`, 'MOTO_UNAVAILABLE')));
    moto.once('exit', (code) => reject(new CapfError(`${command} exited with code ${code} before answering`, 'MOTO_UNAVAILABLE')));
  });
  exited.catch(() => undefined); // only raced below
  try {
    await Promise.race([waitReady(endpoint), exited]);
  } catch (error) {
    moto.kill('SIGKILL');
    throw error;
  }
  return { endpoint, stop: () => void moto.kill('SIGTERM') };
}

/**
 * moto_server through scripts/moto-serialized.py (one request at a time, so conditional writes are atomic as in
 * DynamoDB), run by the Python beside the moto_server command (the virtual environment's, or pyenv's shim); the plain
 * command when that Python cannot import moto.
 */
function serialisedLauncher(command: string): string[] {
  const beside = join(dirname(command), 'python3');
  const python = existsSync(beside) ? beside : 'python3';
  const probe = spawnSync(python, ['-c', 'import moto.server'], { stdio: 'ignore' });
  if (probe.status === 0) return [python, SERIALISED];
  process.stderr.write(`capf: ${python} cannot import moto, so moto_server runs as is (concurrent conditional writes may not be atomic)\n`);
  return [command];
}

async function waitReady(endpoint: string): Promise<void> {
  const until = Date.now() + READY_WITHIN_MS;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new CapfError(`moto_server did not answer at ${endpoint} within ${READY_WITHIN_MS} ms`, 'MOTO_UNAVAILABLE');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
