// `capf serve` as a child process, so a test can kill it (SIGTERM drains, SIGKILL does not) and start a fresh one on
// the same data folder: the store persists on disk, and a dead server's LevelDB lock and store.json are left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { openLocalStore, type LocalStore } from '../../cli/local/local-store.ts';

const CAPF = join(process.cwd(), 'bin', 'capf.js');
// `capf serve` starts one listener process per core by default: room for that on a busy machine.
const START_TIMEOUT_MS = 90_000;

export interface ServeProcess {
  port: number;
  /** Everything the process wrote to stdout and stderr so far (banner, JSON log lines). */
  output(): string;
  /** Sends `signal` and resolves with how the process ended. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when `pattern` has appeared in the output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** `extra`: further arguments (`--issuer ...`) and environment variables (AWS_ENDPOINT_URL...). */
export async function startServe(dataDir: string, extra: { args?: string[]; env?: Record<string, string> } = {}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [CAPF, 'serve', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', ...(extra.args ?? [])], {
    env: { ...process.env, CAPF_LOG_LEVEL: 'info', ...extra.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const waitFor = (pattern: RegExp, timeoutMs = START_TIMEOUT_MS) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(out)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`capf serve did not print ${pattern} within ${timeoutMs} ms:\n${out}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exited.then(() => {
        if (!listeners.has(check)) return;
        cleanup();
        reject(new Error(`capf serve exited before printing ${pattern}:\n${out}`));
      });
      check();
    });

  try {
    await waitFor(/listener:\s+127\.0\.0\.1:\d+/);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const port = Number(/listener:\s+127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  return {
    port,
    output: () => out,
    waitFor,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Opens the folder's store: through a running server's advertised endpoint, or on disk when no server is alive. */
export async function withStore<T>(dataDir: string, work: (store: LocalStore['store']) => Promise<T>): Promise<T> {
  const local = await openLocalStore(dataDir);
  try {
    return await work(local.store);
  } finally {
    await local.close();
  }
}
