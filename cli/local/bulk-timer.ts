// `capf serve` runs due bulk jobs (issue 14): every few seconds it asks BulkAdmin.runDue for jobs whose time has come
// (or whose last run died and left its lease to expire) and runs them in this process, one at a time. In AWS a
// one-time EventBridge Scheduler schedule invokes the bulk function instead. A failed run is logged and tried again.
import { hostname } from 'node:os';
import { BulkAdmin } from '../../shared/admin/bulk-jobs.ts';
import type { Stores } from '../../shared/ports/index.ts';
import { loadOrCreateAuthStringKey } from './auth-string-key.ts';
import type { CapfLogger } from '../../shared/logging.ts';

export const BULK_CHECK_MS = 5_000;

export interface BulkTimer {
  stop(): Promise<void>;
}

export function startBulkTimer(bulk: BulkAdmin, logger: CapfLogger, checkMs = BULK_CHECK_MS): BulkTimer {
  const owner = `local:${hostname()}:${process.pid}`;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const check = () => {
    running = bulk
      .runDue({ owner, shouldStop: () => stopped })
      .then(
        (jobs) => {
          for (const job of jobs) logger.info('bulk job run', { job: job.id, state: job.state, done: job.done, failed: job.failed, total: job.total });
        },
        (error: unknown) => logger.warn('bulk job run failed', { reason: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        running = undefined;
        if (!stopped) {
          timer = setTimeout(check, checkMs);
          timer.unref();
        }
      });
  };
  timer = setTimeout(check, Math.min(checkMs, 1_000));
  timer.unref();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** The timer over the data folder's stores, with its authentication string key (what `capf serve` starts). */
export function startLocalBulkTimer(dataDir: string, stores: Stores, logger: CapfLogger): BulkTimer {
  const key = loadOrCreateAuthStringKey(dataDir).then((loaded) => loaded.key);
  key.catch(() => undefined); // a bad key file is reported by the run that needs it
  return startBulkTimer(new BulkAdmin({ stores, authStringKey: () => key }), logger);
}

/**
 * Jobs the admin API started "now" (POST /v1/bulk-jobs without a later runAt), run in the background of this process
 * under their own lease owner (so the timer of the same process does not claim them too). `stop` (capf serve closing)
 * ends them at their next chunk and frees their lease, so the timer of the next start continues them; `drain` (the CLI over
 * the data folder, which has no server to leave them to) waits for them to finish.
 */
export class BackgroundBulkRuns {
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private readonly owner = `local:${hostname()}:${process.pid}:api`;

  constructor(private readonly logger: CapfLogger) {}

  start(bulk: BulkAdmin, id: string): void {
    if (this.stopped) return;
    const run: Promise<void> = bulk
      .run(id, { owner: this.owner, shouldStop: () => this.stopped })
      .then(
        (job) => {
          if (job) this.logger.info('bulk job run', { job: job.id, state: job.state, done: job.done, failed: job.failed, total: job.total });
        },
        (error: unknown) => this.logger.warn('bulk job run failed; the timer tries again after its lease', { job: id, reason: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.drain();
  }
}
