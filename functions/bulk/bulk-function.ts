// The bulk function's definition (functions/bootstrap.ts runs it; issue 14). `{ "jobId": "..." }` runs or continues
// that job: the payload a job's one-time EventBridge Scheduler schedule sends, the admin function's "run now" and this
// function's own continuation. `{}` (the stack's sweep schedule) runs every due job: scheduled ones whose time has come,
// and running ones whose last run died (a crash, a timeout) and left its lease to expire.
// A run continues from the job's durable progress (shared/admin/bulk-jobs.ts: exactly once per device). Before the
// Lambda's remaining time falls under the margin it stops after the chunk in hand, frees the lease and invokes this
// function again with the job, so a job longer than one invocation completes. A run that made no progress is not
// continued (the sweep takes it up), so a misconfigured timeout cannot loop.
import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import type { BulkAdmin } from '../../shared/admin/bulk-jobs.ts';
import type { BulkJob } from '../../shared/ports/index.ts';
import type { FunctionDefinition } from '../bootstrap.ts';

/** Stop when less than this is left: a chunk (250 devices) under heavy throttling fits in it with room to spare. */
export const DEFAULT_STOP_MARGIN_MS = 60_000;

/** The metrics a run publishes (infra/metrics.ts repeats the names for the dashboard). A job's counts are published
 *  by the one run that ends it (its state changes conditionally, so exactly one run sees it end). */
export const BULK_METRICS = {
  /** Jobs that ended (done or cancelled) in this invocation. */
  jobsEnded: 'BulkJobsEnded',
  /** Devices the ended jobs updated, and those they could not (missing device, refused change). */
  devicesUpdated: 'BulkDevicesUpdated',
  devicesFailed: 'BulkDevicesFailed',
  /** Runs cut short by the time limit and continued in a new invocation. */
  runsContinued: 'BulkRunsContinued',
} as const;

export const bulkEvent = z.object({ jobId: z.string().regex(/^\d{8}-[0-9a-f]{8}$/, 'a bulk job id like 20261203-1a2b3c4d').optional() });
export type BulkEvent = z.infer<typeof bulkEvent>;

export interface BulkFunctionDeps {
  bulk: BulkAdmin;
  /** Invokes this function again with the job, without waiting (a run cut short by the time limit goes on there). */
  continueJob: (jobId: string) => Promise<void>;
  stopMarginMs?: number;
}

export interface BulkRun {
  id: string;
  state: BulkJob['state'];
  done: number;
  failed: number;
  total?: number;
  /** True when this invocation stopped for time and handed the job to the next one. */
  continued: boolean;
}

export interface BulkOutcome {
  /** The jobs this invocation ran; empty when the job was running elsewhere or had ended (or nothing was due). */
  jobs: BulkRun[];
}

export function bulkFunction(deps: () => Promise<BulkFunctionDeps>): FunctionDefinition<BulkEvent, BulkOutcome, BulkFunctionDeps> {
  return {
    input: bulkEvent,
    logKeys: (event) => (event.jobId ? { job: event.jobId } : {}),
    deps,
    async work(event, { bulk, continueJob, stopMarginMs = DEFAULT_STOP_MARGIN_MS }, { logger, metrics }, context = {}) {
      const owner = `lambda:${context.awsRequestId ?? randomUUID()}`;
      const timeLeft = context.getRemainingTimeInMillis;
      const remaining = typeof timeLeft === 'function' ? () => timeLeft.call(context) : () => Number.POSITIVE_INFINITY;
      const progressed = new Set<string>();
      const options = { owner, shouldStop: () => remaining() < stopMarginMs, onProgress: (job: BulkJob) => progressed.add(job.id) };
      const ran = event.jobId ? [await bulk.run(event.jobId, options)].filter((job): job is BulkJob => job !== undefined) : await bulk.runDue(options);
      const jobs: BulkRun[] = [];
      for (const job of ran) {
        const unfinished = job.state === 'running';
        const continued = unfinished && progressed.has(job.id);
        if (continued) await continueJob(job.id);
        else if (unfinished) logger?.warn('bulk job stopped without progress: the sweep schedule takes it up', { job: job.id });
        jobs.push({ id: job.id, state: job.state, done: job.done, failed: job.failed, ...(job.total !== undefined ? { total: job.total } : {}), continued });
        logger?.info('bulk job run', { job: job.id, state: job.state, done: job.done, failed: job.failed, total: job.total, continued });
      }
      if (metrics) {
        const ended = jobs.filter((job) => job.state === 'done' || job.state === 'cancelled');
        metrics.addMetric(BULK_METRICS.jobsEnded, MetricUnit.Count, ended.length);
        metrics.addMetric(BULK_METRICS.devicesUpdated, MetricUnit.Count, ended.reduce((sum, job) => sum + job.done, 0));
        metrics.addMetric(BULK_METRICS.devicesFailed, MetricUnit.Count, ended.reduce((sum, job) => sum + job.failed, 0));
        metrics.addMetric(BULK_METRICS.runsContinued, MetricUnit.Count, jobs.filter((job) => job.continued).length);
      }
      if (event.jobId && jobs.length === 0) logger?.info('bulk job not run: running elsewhere or ended', { job: event.jobId });
      return { jobs };
    },
    onFailure: (error, { logger }) => logger?.error('bulk job run failed', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  };
}
