// POST /v1/monitor/run through the admin Lambda as deployed: the admin function loads the Lambda SDK on this first run
// (handler.ts, offline-monitor-modules.ts), invokes the expiry monitor function it is given
// (CAPF_FUNCTION_EXPIRY_MONITOR) and answers its summary. moto
// cannot run Lambda code without Docker, so the Lambda endpoint (AWS_ENDPOINT_URL_LAMBDA) is the stand-in of
// test/support/lambda-stand-in.ts running the real expiry monitor handler; the table is on moto.
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorOutcome } from '../../../shared/monitor-service/run.ts';
import { handlerReply, startLambdaStandIn, type LambdaStandIn } from '../../support/lambda-stand-in.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { motoClients, motoLambdaEnvironment, uniqueName } from '../issuers/moto-aws.ts';
import { putLsc } from '../monitor/monitor-fixture.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const MONITOR_FUNCTION = 'capf-expiry-monitor-test';
const ADMIN = 'arn:aws:iam::123456789012:user/pki-admin';
const savedEnv = { ...process.env };
const context = { functionName: 'capf-admin', awsRequestId: 'req', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;
let adminHandler: Handler;
let monitorHandler: Handler;
let standIn: LambdaStandIn;
const invocations: Array<{ functionName: string; payload: unknown }> = [];

beforeAll(async () => {
  const { dynamo } = motoClients();
  const tableName = uniqueName('capf-admin-monitor');
  await ensureTable(dynamo, tableName);
  const stores = createDynamoStores({ client: dynamo, tableName });
  await putLsc(stores, new Date(), 'SEP00000000A007', 7);
  await putLsc(stores, new Date(), 'SEP00000000A0FF', -1);
  standIn = await startLambdaStandIn(async (functionName, text) => {
    const payload: unknown = JSON.parse(text);
    invocations.push({ functionName, payload });
    return handlerReply(() => monitorHandler(payload, { ...context, functionName: MONITOR_FUNCTION }));
  });
  Object.assign(process.env, {
    ...motoLambdaEnvironment(),
    CAPF_TABLE: tableName,
    CAPF_FUNCTION_EXPIRY_MONITOR: MONITOR_FUNCTION,
    AWS_ENDPOINT_URL_LAMBDA: standIn.endpoint,
  });
  // Imported after the environment is set, as in a Lambda container.
  adminHandler = (await import('../../../functions/admin/handler.ts')).handler as unknown as Handler;
  monitorHandler = (await import('../../../functions/expiry-monitor/handler.ts')).handler as unknown as Handler;
});

afterAll(async () => {
  await standIn.close();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

function runEvent(body: unknown) {
  return {
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath: '/v1/monitor/run',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: '/v1/monitor/run', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' }, authorizer: { iam: { userArn: ADMIN, accountId: '123456789012' } } },
  };
}

describe('admin Lambda: a monitor run invokes the expiry monitor function', () => {
  it('a dry run goes to the named function, forced, and answers its summary; nothing is revoked', async () => {
    const result = (await adminHandler(runEvent({ dryRun: true }), context)) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(200);
    const summary = JSON.parse(result.body ?? '{}') as Extract<MonitorOutcome, { skipped: false }>['summary'];
    expect(invocations).toEqual([{ functionName: MONITOR_FUNCTION, payload: { force: true, dryRun: true } }]);
    expect(summary).toMatchObject({ dryRun: true, certificates: 2 });
    expect(summary.revoked.map((entry) => entry.device)).toEqual(['SEP00000000A0FF']);

    // A dry run changes nothing: the next run, through the client the first one made, finds the same LSC to revoke.
    const again = JSON.parse(((await adminHandler(runEvent({ dryRun: true }), context)) as APIGatewayProxyStructuredResultV2).body ?? '{}') as typeof summary;
    expect(again.revoked.map((entry) => entry.device)).toEqual(['SEP00000000A0FF']);
    expect(invocations).toHaveLength(2);
  });
});
