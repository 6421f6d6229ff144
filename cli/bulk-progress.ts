// Following a bulk job's progress (`capf bulk run` without --detach): the job is read through the admin API every
// half second until it has ended; on a terminal a cli-progress bar with the rate and the ETA, otherwise a plain line
// each time the counts move. Written to stderr, so stdout keeps only the result (and --json stays parseable).
import type { BulkJob } from '../shared/ports/index.ts';
import type { AdminApi } from './admin/admin-api.ts';

export type ShownJob = BulkJob & { remaining?: number; sharedAuthString?: boolean };

export const POLL_MS = 500;

export interface ProgressView {
  update(job: ShownJob): void;
  stop(): void;
}

/** Devices per second since the first sample, and the seconds left at that rate (undefined until both are known). */
export class RateMeter {
  private first?: { at: number; processed: number };

  sample(processed: number, total: number | undefined, at = Date.now()): { rate?: number; etaSeconds?: number } {
    if (!this.first) {
      this.first = { at, processed };
      return {};
    }
    const seconds = (at - this.first.at) / 1000;
    if (seconds <= 0 || processed <= this.first.processed) return {};
    const rate = (processed - this.first.processed) / seconds;
    return { rate, ...(total !== undefined ? { etaSeconds: Math.max(0, (total - processed) / rate) } : {}) };
  }
}

const processedOf = (job: ShownJob) => job.done + job.failed;

/** One plain line per change: `job ID running: 500/5000 (12 failed), 2100/s, ETA 2s`. */
export function plainProgress(write: (line: string) => void): ProgressView {
  const meter = new RateMeter();
  let last = '';
  return {
    update(job) {
      const { rate, etaSeconds } = meter.sample(processedOf(job), job.total);
      const counts = job.total === undefined ? 'fixing its targets' : `${processedOf(job)}/${job.total}${job.failed > 0 ? ` (${job.failed} failed)` : ''}`;
      const key = `${job.state} ${counts}`;
      if (key === last) return;
      last = key;
      const speed = rate === undefined ? '' : `, ${Math.round(rate)}/s${etaSeconds !== undefined && job.state === 'running' ? `, ETA ${Math.ceil(etaSeconds)}s` : ''}`;
      write(`job ${job.id} ${job.state}: ${counts}${speed}\n`);
    },
    stop() {},
  };
}

/** The cli-progress bar on a terminal (loaded only here: it is not needed by any other command). */
export async function barProgress(stream: NodeJS.WriteStream): Promise<ProgressView> {
  const { default: progress } = await import('cli-progress');
  const meter = new RateMeter();
  const bar = new progress.SingleBar(
    { stream, format: 'job {id} {state} |{bar}| {value}/{total} {percentage}% | {rate}/s | ETA {eta_formatted} | {failed} failed', hideCursor: true, etaBuffer: 20 },
    progress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(job) {
      const { rate } = meter.sample(processedOf(job), job.total);
      const payload = { id: job.id, state: job.state, rate: rate === undefined ? '-' : String(Math.round(rate)), failed: job.failed };
      if (!started) {
        bar.start(job.total ?? 0, processedOf(job), payload);
        started = true;
      } else {
        if (job.total !== undefined) bar.setTotal(job.total);
        bar.update(processedOf(job), payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

const ENDED = new Set(['done', 'cancelled']);

/** Reads the job until it has ended, showing its progress; returns the job as it ended. */
export async function followJob(api: AdminApi, id: string, view: ProgressView, pollMs = POLL_MS): Promise<ShownJob> {
  try {
    for (;;) {
      const { job } = await api.call<{ job: ShownJob }>({ method: 'GET', path: `/v1/bulk-jobs/${encodeURIComponent(id)}`, query: { failures: '0' } });
      view.update(job);
      if (ENDED.has(job.state)) return job;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    view.stop();
  }
}
