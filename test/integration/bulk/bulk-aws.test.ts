// Bulk jobs in AWS, on moto_server: a job created with a later time gets a one-time EventBridge Scheduler schedule
// (at(...), UTC, deleted after it fires, targeting the bulk function with the job's id under the schedules' role) that
// cancelling removes; the schedule's payload handed to the real bulk handler runs the job on moto DynamoDB (every
// device written once, every generated string unique); a job due now invokes the function asynchronously, and a run
// short of time stops after a chunk, frees its lease and invokes the function again, which finishes the job.
import { randomBytes } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateScheduleGroupCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkAdmin, BULK_CHUNK } from '../../../shared/admin/bulk-jobs.ts';
import { hashAuthString } from '../../../shared/domain/auth-string.ts';
import { authStringKeyLoader } from '../../../shared/issuers/auth-key-secret.ts';
import type { Stores } from '../../../shared/ports/index.ts';
import { AwsJobScheduler } from '../../../shared/schedule/aws-job-scheduler.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { seedBulkDevices } from '../../support/bulk-seed.ts';
import { startLambdaRecorder, type LambdaRecorder } from '../../support/lambda-recorder.ts';
import { motoClientConfig, motoLambdaEnvironment, uniqueName } from '../issuers/moto-aws.ts';

type Outcome = { jobs: { id: string; state: string; done: number; failed: number; total?: number; continued: boolean }[] };
type Handler = (event: unknown, context: Context) => Promise<Outcome>;
type AdminHandler = (event: unknown, context: Context) => Promise<{ statusCode: number; body?: string }>;

const FUNCTION_NAME = 'capf-bulk-test';
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:123456789012:function:${FUNCTION_NAME}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/capf-bulk-schedules';
const savedEnv = { ...process.env };

let handler: Handler;
let adminHandler: AdminHandler;
let recorder: LambdaRecorder;
let dynamo: DynamoDBClient;
let schedulerClient: SchedulerClient;
let stores: Stores;
let admin: BulkAdmin;
let key: () => Promise<Uint8Array>;
let tableName: string;
let groupName: string;

/** A Lambda context whose remaining time is `left(call)` on each call (the run asks before every chunk). */
function contextWith(left: (call: number) => number): Context {
  let calls = 0;
  return { awsRequestId: randomBytes(8).toString('hex'), functionName: FUNCTION_NAME, getRemainingTimeInMillis: () => left(calls++) } as unknown as Context;
}
const plentyOfTime = () => contextWith(() => 800_000);

beforeAll(async () => {
  const config = motoClientConfig();
  dynamo = new DynamoDBClient(config);
  schedulerClient = new SchedulerClient(config);
  tableName = uniqueName('bulk-aws');
  groupName = uniqueName('capf-bulk');
  await ensureTable(dynamo, tableName);
  await schedulerClient.send(new CreateScheduleGroupCommand({ Name: groupName }));
  const secrets = new SecretsManagerClient(config);
  const secret = await secrets.send(new CreateSecretCommand({ Name: uniqueName('auth-key'), SecretString: randomBytes(24).toString('hex') }));
  recorder = await startLambdaRecorder();
  stores = createDynamoStores({ client: dynamo, tableName });
  key = authStringKeyLoader(secret.ARN, () => secrets, 'the test');
  const lambda = new LambdaClient({ ...config, endpoint: recorder.url });
  admin = new BulkAdmin({ stores, authStringKey: key, scheduler: new AwsJobScheduler({ scheduler: schedulerClient, lambda, functionArn: FUNCTION_ARN, roleArn: ROLE_ARN, groupName }) });
  Object.assign(process.env, {
    ...motoLambdaEnvironment(),
    AWS_ENDPOINT_URL_LAMBDA: recorder.url,
    CAPF_TABLE: tableName,
    CAPF_AUTH_KEY_SECRET_ARN: secret.ARN,
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    // The admin function's, as infra/functions.ts sets them.
    CAPF_BULK_FUNCTION_ARN: FUNCTION_ARN,
    CAPF_BULK_SCHEDULER_ROLE_ARN: ROLE_ARN,
    CAPF_BULK_SCHEDULE_GROUP: groupName,
  });
  handler = (await import('../../../functions/bulk/handler.ts')).handler as unknown as Handler;
  adminHandler = (await import('../../../functions/admin/handler.ts')).handler as unknown as AdminHandler;
}, 60_000);

afterAll(async () => {
  await recorder?.close();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

/** A request to the admin function as API Gateway hands it over (IAM-authorised). */
async function api(method: string, rawPath: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const event = { rawPath, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}), requestContext: { http: { method }, authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/pki-admin' } } } };
  const answer = await adminHandler(event, plentyOfTime());
  return { status: answer.statusCode, body: JSON.parse(answer.body ?? '{}') as Record<string, unknown> };
}

async function getSchedule(jobId: string) {
  return schedulerClient.send(new GetScheduleCommand({ Name: `capf-bulk-${jobId}`, GroupName: groupName }));
}

async function expectWrittenOnce(names: string[], operation: string): Promise<void> {
  for (const name of names) expect(await stores.devices.get(name)).toMatchObject({ name, version: 2, operation });
}

describe('bulk jobs on AWS (moto_server)', () => {
  it('a job for later gets a one-time schedule of the bulk function with its id; cancelling deletes it', { timeout: 60_000 }, async () => {
    await seedBulkDevices(dynamo, tableName, 3, '7');
    const runAt = new Date(Date.now() + 3_600_000 + 400);
    const { job } = await admin.create('tester', { operation: 'fetch', selection: { prefix: 'SEP7' }, runAt: runAt.toISOString() });
    const schedule = await getSchedule(job!.id);
    const second = new Date(Math.ceil(runAt.getTime() / 1000) * 1000).toISOString().slice(0, 19);
    expect(schedule).toMatchObject({
      ScheduleExpression: `at(${second})`,
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN },
    });
    expect(JSON.parse(schedule.Target!.Input!)).toEqual({ jobId: job!.id });
    expect(recorder.invokes).toHaveLength(0);

    expect((await admin.cancel('tester', job!.id)).state).toBe('cancelled');
    await expect(getSchedule(job!.id)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    // The schedule firing anyway (or a late retry) finds the job cancelled and writes nothing.
    expect(await handler({ jobId: job!.id }, plentyOfTime())).toEqual({ jobs: [] });
    expect(await stores.devices.get('SEP700000000000')).toMatchObject({ version: 1, operation: 'none' });
  });

  it("the schedule's payload, handed to the real handler, runs the job: each device once, unique strings", { timeout: 120_000 }, async () => {
    const names = await seedBulkDevices(dynamo, tableName, 40, '8');
    const { job } = await admin.create('tester', { operation: 'install', selection: { prefix: 'SEP8' }, generateStrings: true, runAt: new Date(Date.now() + 120_000).toISOString() });
    const payload = JSON.parse((await getSchedule(job!.id)).Target!.Input!) as unknown;

    const outcome = await handler(payload, plentyOfTime());
    expect(outcome.jobs).toEqual([{ id: job!.id, state: 'done', done: 40, failed: 0, total: 40, continued: false }]);
    await expectWrittenOnce(names, 'install');
    // A second delivery of the same payload (Scheduler retries, at-least-once) changes nothing.
    expect(await handler(payload, plentyOfTime())).toEqual({ jobs: [] });

    const strings = await admin.strings('tester', job!.id);
    expect(new Set(strings.map((s) => s.authString)).size).toBe(40);
    const secret = await key();
    for (const { name, authString } of strings) expect((await stores.devices.get(name))?.authString).toBe(hashAuthString(authString, secret));
  });

  it('a job due now invokes the function asynchronously; a run short of time hands the job to a new invocation', { timeout: 300_000 }, async () => {
    const count = BULK_CHUNK + 10;
    const names = await seedBulkDevices(dynamo, tableName, count, '9');
    recorder.invokes.length = 0;
    const { job } = await admin.create('tester', { operation: 'fetch', selection: { prefix: 'SEP9' } });
    expect(recorder.invokes).toEqual([{ functionName: FUNCTION_ARN, invocationType: 'Event', payload: { jobId: job!.id } }]);

    // The first invocation has time for one chunk only (middy asks once to arm its own timeout, then the run asks
    // before each chunk): it commits that chunk, frees its lease and invokes itself again.
    const first = await handler(recorder.invokes[0]!.payload, contextWith((call) => (call < 2 ? 800_000 : 30_000)));
    expect(first.jobs).toEqual([{ id: job!.id, state: 'running', done: BULK_CHUNK, failed: 0, total: count, continued: true }]);
    expect(recorder.invokes[1]).toEqual({ functionName: FUNCTION_NAME, invocationType: 'Event', payload: { jobId: job!.id } });
    expect((await admin.show(job!.id)).job).not.toHaveProperty('leaseOwner');

    const second = await handler(recorder.invokes[1]!.payload, plentyOfTime());
    expect(second.jobs).toEqual([{ id: job!.id, state: 'done', done: count, failed: 0, total: count, continued: false }]);
    expect(recorder.invokes).toHaveLength(2);
    await expectWrittenOnce(names, 'fetch');
  });

  it('the sweep ({}) runs a due job nobody started, and a payload that is not a job id is refused', { timeout: 60_000 }, async () => {
    const names = await seedBulkDevices(dynamo, tableName, 5, 'A');
    const plain = new BulkAdmin({ stores, authStringKey: key });
    const { job } = await plain.create('tester', { operation: 'delete', selection: { prefix: 'SEPA' } });
    const outcome = await handler({}, plentyOfTime());
    expect(outcome.jobs).toEqual(expect.arrayContaining([expect.objectContaining({ id: job!.id, state: 'done', done: 5 })]));
    await expectWrittenOnce(names, 'delete');
    await expect(handler({ jobId: '../../etc' }, plentyOfTime())).rejects.toThrow(/jobId/);
  });

  it('through the admin function: a job for later is scheduled, cancelling it deletes the schedule, a job for now invokes the function', { timeout: 60_000 }, async () => {
    await seedBulkDevices(dynamo, tableName, 2, 'B');
    const later = await api('POST', '/v1/bulk-jobs', { operation: 'install', selection: { prefix: 'SEPB' }, authString: '24680', runAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(later).toMatchObject({ status: 201, body: { count: 2, job: { state: 'scheduled' } } });
    const id = (later.body.job as { id: string }).id;
    expect(JSON.parse((await getSchedule(id)).Target!.Input!)).toEqual({ jobId: id });
    expect((await api('POST', `/v1/bulk-jobs/${id}/cancel`)).body).toMatchObject({ job: { state: 'cancelled' } });
    await expect(getSchedule(id)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    recorder.invokes.length = 0;
    const now = await api('POST', '/v1/bulk-jobs', { operation: 'none', selection: { names: ['SEPB00000000000'] } });
    expect(now.status).toBe(201);
    expect(recorder.invokes).toEqual([{ functionName: FUNCTION_ARN, invocationType: 'Event', payload: { jobId: (now.body.job as { id: string }).id } }]);
  });
});
