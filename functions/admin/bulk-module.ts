// The admin function's bulk job routes (issue 14) over the AWS job scheduler: a job created for later gets a one-time
// EventBridge Scheduler schedule in CAPF_BULK_SCHEDULE_GROUP that assumes CAPF_BULK_SCHEDULER_ROLE_ARN and invokes the
// bulk function (CAPF_BULK_FUNCTION_ARN) with the job's id; a job due now invokes that function asynchronously;
// cancelling a job deletes its schedule. Without those variables (a stack deployed before the bulk function) creating
// a job is refused with what to do, and the job is not left behind.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import * as z from 'zod';
import { BulkAdmin } from '../../shared/admin/bulk-jobs.ts';
import { bulkJobRoutes } from '../../shared/admin/http/bulk-routes.ts';
import type { RouteModule } from '../../shared/admin/http/index.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { JobScheduler, Stores } from '../../shared/ports/index.ts';

const text = z.string().min(1).max(2048);
const environmentSchema = z.object({
  CAPF_BULK_FUNCTION_ARN: text.optional(),
  CAPF_BULK_SCHEDULER_ROLE_ARN: text.optional(),
  CAPF_BULK_SCHEDULE_GROUP: z.string().regex(/^[0-9A-Za-z_.-]{1,64}$/).optional(),
});

const notDeployed = (): Promise<never> => Promise.reject(new ConfigError('the admin function has no bulk function to run jobs (CAPF_BULK_FUNCTION_ARN and its scheduler settings): deploy the stack again', 'BULK_NOT_DEPLOYED'));
const NOT_DEPLOYED: JobScheduler = { scheduleAt: notDeployed, runNow: notDeployed, cancel: async () => undefined };

/** Made on the first schedule, run or cancel: the Scheduler and Lambda SDKs are not loaded at the cold start. */
export interface BulkClients {
  scheduler: () => Promise<SchedulerClient>;
  lambda: () => Promise<LambdaClient>;
}

/** The AWS job scheduler, its module and clients loaded on the first call (a failed load is tried again). */
function deferredScheduler(clients: BulkClients, settings: { functionArn: string; roleArn: string; groupName: string }): JobScheduler {
  let loaded: Promise<JobScheduler> | undefined;
  const load = async (): Promise<JobScheduler> => {
    const [{ AwsJobScheduler }, scheduler, lambda] = await Promise.all([import('../../shared/schedule/aws-job-scheduler.ts'), clients.scheduler(), clients.lambda()]);
    return new AwsJobScheduler({ scheduler, lambda, ...settings });
  };
  const get = (): Promise<JobScheduler> => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
  return {
    scheduleAt: async (jobId, at) => (await get()).scheduleAt(jobId, at),
    runNow: async (jobId) => (await get()).runNow(jobId),
    cancel: async (jobId) => (await get()).cancel(jobId),
  };
}

export function bulkJobModule(stores: Stores, authStringKey: () => Promise<Uint8Array>, environment: NodeJS.ProcessEnv, clients: BulkClients): RouteModule {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) throw new ConfigError(`admin function environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'ADMIN_CONFIG');
  const { CAPF_BULK_FUNCTION_ARN: functionArn, CAPF_BULK_SCHEDULER_ROLE_ARN: roleArn, CAPF_BULK_SCHEDULE_GROUP: groupName } = parsed.data;
  const scheduler = functionArn && roleArn && groupName ? deferredScheduler(clients, { functionArn, roleArn, groupName }) : NOT_DEPLOYED;
  return bulkJobRoutes(new BulkAdmin({ stores, authStringKey, scheduler }));
}
