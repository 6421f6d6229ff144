// `capf` as a user runs it: `capf serve` in a child process (its ports read from what it prints) and one-shot commands
// with their output and exit code.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const CAPF = join(process.cwd(), 'bin', 'capf.js');

export interface CapfRun {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs `capf ...args` to its end; never rejects (the exit code is in the result). */
export function capfRun(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CapfRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CAPF, ...args], { env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

export interface ServeProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): { stdout: string; stderr: string };
  listenerPort: number;
  /** The admin API's base URL when the stack prints one. */
  adminUrl?: string;
  /** Sends SIGTERM (if still running) and waits for the exit. */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `capf serve` and resolves once it printed its listener address. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CAPF, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listenerPort = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listener:\s+(?:\[[^\]]+\]|[\d.]+):(\d+)/.exec(stdout);
      if (match && /data folder:/.test(stdout)) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`capf serve exited with ${code}: ${stdout}${stderr}`)));
  });
  const admin = /admin API:\s+(http:\/\/\S+)/.exec(stdout)?.[1];
  return {
    child,
    output: () => ({ stdout, stderr }),
    listenerPort,
    ...(admin ? { adminUrl: admin } : {}),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
