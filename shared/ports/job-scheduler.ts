// When a bulk job runs (issue 14). In AWS a job due later gets a one-time EventBridge Scheduler schedule that invokes
// the bulk function with the job's id, and a job due now invokes that function at once, without waiting for it
// (shared/schedule/aws-job-scheduler.ts). The local stack has no scheduler: `capf serve`'s timer finds due jobs itself.
export interface JobScheduler {
  /** Has the job run at `at` (once). */
  scheduleAt(jobId: string, at: Date): Promise<void>;
  /** Has the job run now, in the background (the caller does not wait for the run). */
  runNow(jobId: string): Promise<void>;
  /** Removes the job's schedule; nothing when it has none (it fired already, or it never had one). */
  cancel(jobId: string): Promise<void>;
}
