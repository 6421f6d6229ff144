// JobScheduler in AWS (issue 14): a bulk job due later gets a one-time EventBridge Scheduler schedule
// (`at(yyyy-mm-ddThh:mm:ss)`, UTC) in the stack's schedule group, named after the job, that invokes the bulk function
// with `{ "jobId": ... }` and deletes itself once it has fired (ActionAfterCompletion DELETE); the schedule assumes
// the scheduler role, which may invoke the bulk function and nothing else. A job due now invokes the function
// asynchronously (InvocationType Event) with the same payload. Cancelling deletes the schedule if it is still there.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { ConfigError, errorName } from '../errors.ts';
import type { JobScheduler } from '../ports/index.ts';

/** The schedules' names start with this, so the admin function's scheduler permissions can name them. */
export const BULK_SCHEDULE_PREFIX = 'capf-bulk-';

export interface AwsJobSchedulerOptions {
  scheduler: SchedulerClient;
  lambda: LambdaClient;
  /** The bulk function's ARN: the schedules' target, and what "run now" invokes. */
  functionArn: string;
  /** The role the schedules assume to invoke the bulk function. */
  roleArn: string;
  /** The stack's schedule group. */
  groupName: string;
}

/** What the schedule hands the bulk function: the payload of functions/bulk. */
export function bulkJobPayload(jobId: string): string {
  return JSON.stringify({ jobId });
}

export function bulkScheduleName(jobId: string): string {
  return `${BULK_SCHEDULE_PREFIX}${jobId}`;
}

/** EventBridge Scheduler's one-time expression, to the second (a fraction rounds up: never before the job's time). */
export function atExpression(at: Date): string {
  const seconds = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${seconds.toISOString().slice(0, 19)})`;
}

function failure(what: string, error: unknown): ConfigError {
  return new ConfigError(`${what} failed (${errorName(error)}): check the function's scheduler and invoke permissions, then try again`, 'BULK_SCHEDULE_FAILED', { cause: error });
}

/** Invokes the bulk function with the job, asynchronously (InvocationType Event: Lambda queues it and answers 202). */
export async function invokeBulkFunction(lambda: LambdaClient, functionName: string, jobId: string): Promise<void> {
  let answer;
  try {
    answer = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(bulkJobPayload(jobId)) }));
  } catch (error) {
    throw failure(`starting bulk job ${jobId}`, error);
  }
  if (answer.StatusCode !== 202) throw new ConfigError(`starting bulk job ${jobId}: the bulk function answered ${answer.StatusCode ?? 'nothing'} instead of 202`, 'BULK_SCHEDULE_FAILED');
}

export class AwsJobScheduler implements JobScheduler {
  constructor(private readonly options: AwsJobSchedulerOptions) {}

  async scheduleAt(jobId: string, at: Date): Promise<void> {
    const { scheduler, functionArn, roleArn, groupName } = this.options;
    try {
      await scheduler.send(
        new CreateScheduleCommand({
          Name: bulkScheduleName(jobId),
          GroupName: groupName,
          Description: `capf bulk job ${jobId}`,
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: { Arn: functionArn, RoleArn: roleArn, Input: bulkJobPayload(jobId), RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 } },
        }),
      );
    } catch (error) {
      throw failure(`scheduling bulk job ${jobId}`, error);
    }
  }

  runNow(jobId: string): Promise<void> {
    return invokeBulkFunction(this.options.lambda, this.options.functionArn, jobId);
  }

  async cancel(jobId: string): Promise<void> {
    const { scheduler, groupName } = this.options;
    try {
      await scheduler.send(new DeleteScheduleCommand({ Name: bulkScheduleName(jobId), GroupName: groupName }));
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return; // it fired already, or the job ran now
      throw failure(`deleting the schedule of bulk job ${jobId}`, error);
    }
  }
}
