// The Fargate entry point (listener/main.ts) as a real process with its AWS adapters: DynamoDB and Secrets Manager on
// moto_server, the sign Lambda behind a small stand-in of the Invoke API (moto cannot run Lambda code) that runs the
// real functions/sign handler. First start fills the `{}` TLS secret; a phone enrols; SIGTERM drains and exits 0.
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runPhone } from '../../../cli/phone/simulator.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { motoClients, opensslVerify, uniqueName } from '../issuers/moto-aws.ts';

const clients = motoClients();
const tableName = uniqueName('capf-main');
const tlsSecretId = uniqueName('capf/tls');
const caSecretId = uniqueName('capf/ca');
const savedEnv = { ...process.env };
let lambda: Server;
let listener: ChildProcess;
let port: number;
let output = '';

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return free;
}

beforeAll(async () => {
  await ensureTable(clients.dynamo, tableName);
  await clients.secretsManager.send(new CreateSecretCommand({ Name: tlsSecretId, SecretString: '{}' }));
  const aws = { AWS_ENDPOINT_URL: inject('motoEndpoint'), AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  Object.assign(process.env, aws, { CAPF_TABLE: tableName, CAPF_ISSUER: 'capf-software', CAPF_CA_SECRET_ARN: caSecretId, POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' });
  const { handler } = await import('../../../functions/sign/handler.ts');
  lambda = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const context = { functionName: 'capf-sign', awsRequestId: uniqueName('req'), getRemainingTimeInMillis: () => 30_000 };
      (handler as unknown as (event: unknown, context: unknown) => Promise<unknown>)(JSON.parse(Buffer.concat(chunks).toString()), context).then(
        (answer) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)),
        (error: Error) => response.writeHead(200, { 'x-amz-function-error': 'Unhandled' }).end(JSON.stringify({ errorType: error.name, errorMessage: error.message })),
      );
    });
  });
  await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
  port = await freePort();
  listener = spawn(process.execPath, ['--import', 'tsx', 'listener/main.ts'], {
    env: {
      ...process.env,
      ...aws,
      AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CAPF_TABLE: tableName,
      CAPF_SIGN_FUNCTION: 'capf-sign',
      CAPF_TLS_SECRET_ARN: tlsSecretId,
      CAPF_HOST: '127.0.0.1',
      CAPF_PORT: String(port),
      CAPF_HEALTH_PORT: String(await freePort()),
      CAPF_DRAIN_MS: '2000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  listener.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  listener.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const until = Date.now() + 30_000;
  while (!/"message":"listening"/.test(output)) {
    if (listener.exitCode !== null || Date.now() > until) throw new Error(`listener did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  if (listener.exitCode === null) listener.kill('SIGKILL');
  await new Promise((resolve) => lambda.close(resolve));
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

describe('listener/main.ts with AWS adapters', () => {
  it('fills the TLS secret at first start, enrols a phone through the sign Lambda, and drains on SIGTERM', async () => {
    const secret = await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: tlsSecretId }));
    const tls = JSON.parse(secret.SecretString ?? '{}') as { certificatePem: string };
    expect(tls.certificatePem).toMatch(/BEGIN CERTIFICATE/);

    const store = createDynamoStores({ client: clients.dynamo, tableName });
    await store.devices.put({ name: 'SEP00BB00000001', operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
    const result = await runPhone({ host: '127.0.0.1', port, deviceName: 'SEP00BB00000001', caPem: tls.certificatePem, timeoutMs: 30_000 });
    expect(result.endReason).toBe(1);
    const ca = JSON.parse((await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: caSecretId }))).SecretString ?? '{}') as { certificatePem: string };
    expect(await opensslVerify(ca.certificatePem, result.certificatePem as string)).toMatch(/: OK/);
    expect(await store.devices.get('SEP00BB00000001')).toMatchObject({ operation: 'none', status: 'success' });

    const exited = new Promise<number | null>((resolve) => listener.once('exit', resolve));
    listener.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
