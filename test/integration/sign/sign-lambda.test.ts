// The sign Lambda entry as deployed (middy + Powertools, configured from the environment, AWS_ENDPOINT_URL → moto),
// and LambdaSignClient over the Lambda Invoke HTTP API. moto cannot run Lambda code without Docker, so the Invoke
// endpoint here is a small HTTP stand-in that runs the real handler and reports a thrown error the way the Node
// runtime does (X-Amz-Function-Error + { errorType, errorMessage, trace }).
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IssuerError } from '../../../shared/errors.ts';
import { LambdaSignClient, toSignRequestJson, type SignResponse } from '../../../shared/signing/index.ts';
import { handlerReply, startLambdaStandIn, type LambdaStandIn } from '../../support/lambda-stand-in.ts';
import { opensslVerify, phoneKey, uniqueName } from '../issuers/moto-aws.ts';
import { installDevice, signFixture, type SignFixture } from './sign-fixture.ts';

type LambdaHandler = (event: unknown, context: Context) => Promise<SignResponse>;

let fixture: SignFixture;
let handler: LambdaHandler;
let caSecretId: string;
const savedEnv = { ...process.env };

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'capf-sign',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:capf-sign',
    memoryLimitInMB: '1024',
    awsRequestId: uniqueName('aws-req'),
    logGroupName: '/aws/lambda/capf-sign',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

beforeAll(async () => {
  fixture = await signFixture();
  caSecretId = uniqueName('capf/ca');
  Object.assign(process.env, {
    CAPF_TABLE: fixture.tableName,
    CAPF_ISSUER: 'capf-software',
    CAPF_CA_SECRET_ARN: caSecretId,
    AWS_ENDPOINT_URL: inject('motoEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  // Imported after the environment is set, as in a Lambda container.
  handler = (await import('../../../functions/sign/handler.ts')).handler as unknown as LambdaHandler;
});

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

async function installEvent(sessionId = 1) {
  const device = await installDevice(fixture.store);
  return toSignRequestJson({ requestId: uniqueName('req'), deviceName: device.name, operationId: device.operationId, publicKeyDer: phoneKey('rsa').spkiDer, sessionId });
}

describe('functions/sign/handler.ts', () => {
  it('generates the CA at first start and issues an LSC that verifies against it', async () => {
    const answer = await handler(await installEvent(), lambdaContext());
    if (answer.status !== 'issued') throw new Error(`expected issued, got ${JSON.stringify(answer)}`);
    const [caPem] = answer.chainPem;
    expect(await opensslVerify(caPem ?? '', answer.certificate.pem)).toMatch(/: OK/);
    // The same CA signs the next request (built once per container).
    const next = await handler(await installEvent(2), lambdaContext());
    expect(next.status === 'issued' && next.chainPem[0]).toBe(caPem);
  });

  it('answers a bad event with a refusal', async () => {
    expect(await handler({ hello: 'world' }, lambdaContext())).toMatchObject({ status: 'refused', code: 'INVALID_REQUEST' });
  });
});

describe('LambdaSignClient', () => {
  let standIn: LambdaStandIn;
  let mode: 'handler' | 'throw' | 'garbage' = 'handler';

  beforeAll(async () => {
    standIn = await startLambdaStandIn(async (_name, payload) => {
      if (mode === 'garbage') return { body: '<html>not json</html>' };
      if (mode === 'throw') return { body: JSON.stringify({ errorType: 'IssuerError', errorMessage: 'KMS Sign failed (ThrottlingException)', trace: [] }), functionError: 'Unhandled' };
      return handlerReply(() => handler(JSON.parse(payload), lambdaContext()));
    });
  });

  afterAll(async () => {
    await standIn.close();
  });

  function client(): LambdaSignClient {
    return new LambdaSignClient(new LambdaClient({ endpoint: standIn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), 'capf-sign');
  }

  it('invokes the function and returns its answer', async () => {
    mode = 'handler';
    const answer = await client().sign(await installEvent());
    expect(answer.status).toBe('issued');
    expect(await client().sign({ requestId: 'x' } as never)).toMatchObject({ status: 'refused', code: 'INVALID_REQUEST' });
  });

  it('maps a FunctionError to IssuerError and refuses an answer that is not a sign response', async () => {
    mode = 'throw';
    const failed = await client().sign(await installEvent()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(IssuerError);
    expect(failed).toMatchObject({ code: 'SIGN_FUNCTION_ERROR' });
    expect((failed as Error).message).toMatch(/capf-sign failed \(Unhandled\): IssuerError: KMS Sign failed \(ThrottlingException\)/);

    mode = 'garbage';
    expect(await client().sign(await installEvent()).catch((e: unknown) => e)).toMatchObject({ code: 'SIGN_FUNCTION_BAD_ANSWER' });
  });
});
