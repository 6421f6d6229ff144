// The benchmark's load process, seen from the bench: a child Node process (so phones and store clients do not run on
// the listener's event loops) that takes one command at a time over IPC and answers with its outcome and its own
// CPU time and memory, so the bench can report the client's share of the machine.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CapfError } from '../../shared/errors.ts';
import { typeScriptExecArgv } from '../local/cluster.ts';
import type { BenchTarget } from './bench-phone.ts';
import type { EnrolOutcome, ParkOutcome, PhoneKeyType } from './phone-fleet.ts';
import type { StorePhaseOutcome, StorePhaseRequest } from './store-load.ts';
import type { BulkJobOutcome, BulkJobRequest } from './bulk-load.ts';

export type LoadCommand =
  | { type: 'make-keys'; keyType: PhoneKeyType; phones: number }
  | { type: 'enrol'; target: BenchTarget; deviceNames: string[]; timeoutMs: number; concurrency?: number }
  | { type: 'park'; target: BenchTarget; count: number; inFlight: number; timeoutMs: number }
  | { type: 'unpark' }
  | { type: 'store'; request: StorePhaseRequest }
  | { type: 'bulk'; request: BulkJobRequest }
  | { type: 'usage' };

export interface LoadOutcomes {
  'make-keys': { keys: number };
  enrol: EnrolOutcome;
  park: ParkOutcome;
  unpark: { closed: number };
  store: StorePhaseOutcome;
  bulk: BulkJobOutcome;
  usage: Record<string, never>;
}

export interface ProcessUsage {
  rssBytes: number;
  /** User + system CPU time since the process started. */
  cpuMicros: number;
}

export type LoadRequest = LoadCommand & { id: number };
export type LoadReply = { id: number; usage: ProcessUsage } & ({ ok: true; outcome: unknown } | { ok: false; error: string });

export class LoadProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: LoadReply) => void; reject: (error: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: LoadReply) => {
      this.waiting.get(reply.id)?.resolve(reply);
      this.waiting.delete(reply.id);
    });
    child.on('exit', (code, signal) => {
      for (const { reject } of this.waiting.values()) reject(new CapfError(`the load process stopped (code ${code}, signal ${signal})`, 'BENCH_LOAD'));
      this.waiting.clear();
    });
  }

  static start(): LoadProcess {
    const entry = fileURLToPath(new URL('./load-process.ts', import.meta.url));
    return new LoadProcess(fork(entry, [], { execArgv: typeScriptExecArgv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Runs one command; rejects when it fails, or when it takes longer than `timeoutMs`. */
  async run<T extends LoadCommand['type']>(command: Extract<LoadCommand, { type: T }>, timeoutMs: number): Promise<{ outcome: LoadOutcomes[T]; usage: ProcessUsage }> {
    const id = this.nextId++;
    const reply = await new Promise<LoadReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new CapfError(`the load process did not finish ${command.type} within ${timeoutMs} ms`, 'BENCH_LOAD'));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ ...command, id } satisfies LoadRequest);
    });
    if (!reply.ok) throw new CapfError(`${command.type} failed in the load process: ${reply.error}`, 'BENCH_LOAD');
    return { outcome: reply.outcome as LoadOutcomes[T], usage: reply.usage };
  }

  async usage(): Promise<ProcessUsage> {
    return (await this.run({ type: 'usage' }, 10_000)).usage;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }
}
