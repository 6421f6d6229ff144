// What the listener image runs, as a real process: listener/main.ts bundled by the synth's own esbuild settings
// (infra/bundling.ts) into a folder with no node_modules anywhere above it, started with the Dockerfile's CMD, with its
// AWS adapters on moto_server (DynamoDB, Secrets Manager). The sign Lambda sits behind a small stand-in of the Invoke
// API (moto cannot run Lambda code) that runs the sign function's bundle, as Lambda would. Each start gets its own
// table, secrets and bundles; `env` adds to or overrides the listener's variables.
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, inject } from 'vitest';
import { REPO_ROOT } from '../../../infra/app.ts';
import { bundle, dockerfileCommand, LISTENER_ENTRY } from '../../../infra/bundling.ts';
import { FUNCTIONS } from '../../../infra/functions.ts';
import { ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { motoClients, uniqueName } from '../issuers/moto-aws.ts';

export interface ListenerImage {
  process: ChildProcess;
  /** The folder the image's build context would be (the bundle and its Dockerfile). */
  imageDir: string;
  /** The listener's environment as started. */
  env: Record<string, string | undefined>;
  port: number;
  healthPort: number;
  tableName: string;
  tlsSecretId: string;
  caSecretId: string;
  /** Everything the process wrote so far (JSON log lines). */
  output(): string;
  /** The image's CMD, from the Dockerfile in its context, with this machine's node. */
  command(): [string, string[]];
  /** SIGKILL if still running; the Lambda stand-in, the bundles and the borrowed process.env restored. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return free;
}

/** The sign function's bundle behind an Invoke stand-in; it runs in this process, so its environment goes into process.env. */
async function startSignLambda(bundles: string, aws: Record<string, string>, tableName: string, caSecretId: string): Promise<Server> {
  const sign = FUNCTIONS.find((spec) => spec.id === 'sign');
  if (!sign) throw new Error('infra/functions.ts registers no sign function');
  bundle(REPO_ROOT, sign.entry, join(bundles, 'sign'), 'function');
  Object.assign(process.env, aws, { CAPF_TABLE: tableName, CAPF_ISSUER: 'capf-software', CAPF_CA_SECRET_ARN: caSecretId, POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' });
  const { handler } = (await import(pathToFileURL(join(bundles, 'sign', 'index.mjs')).href)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
  const lambda = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const context = { functionName: 'capf-sign', awsRequestId: uniqueName('req'), getRemainingTimeInMillis: () => 30_000 };
      handler(JSON.parse(Buffer.concat(chunks).toString()), context).then(
        (answer) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)),
        (error: Error) => response.writeHead(200, { 'x-amz-function-error': 'Unhandled' }).end(JSON.stringify({ errorType: error.name, errorMessage: error.message })),
      );
    });
  });
  await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
  return lambda;
}

export async function startListenerImage(env: Record<string, string> = {}): Promise<ListenerImage> {
  const savedEnv = { ...process.env };
  const clients = motoClients();
  const tableName = uniqueName('capf-main');
  const tlsSecretId = uniqueName('capf/tls');
  const caSecretId = uniqueName('capf/ca');
  const bundles = mkdtempSync(join(tmpdir(), 'capf-image-'));
  const imageDir = join(bundles, 'listener');
  bundle(REPO_ROOT, LISTENER_ENTRY, imageDir, 'listener');
  await ensureTable(clients.dynamo, tableName);
  await clients.secretsManager.send(new CreateSecretCommand({ Name: tlsSecretId, SecretString: '{}' }));
  const aws = { AWS_ENDPOINT_URL: inject('motoEndpoint'), AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  const lambda = await startSignLambda(bundles, aws, tableName, caSecretId);
  const port = await freePort();
  const healthPort = await freePort();
  const listenerEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ...aws,
    AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CAPF_TABLE: tableName,
    CAPF_SIGN_FUNCTION: 'capf-sign',
    CAPF_TLS_SECRET_ARN: tlsSecretId,
    CAPF_HOST: '127.0.0.1',
    CAPF_PORT: String(port),
    CAPF_HEALTH_PORT: String(healthPort),
    CAPF_DRAIN_MS: '2000',
    CAPF_MAX_SESSIONS: '50',
    ...env,
  };
  const command = (): [string, string[]] => {
    const [program, ...args] = dockerfileCommand(join(imageDir, 'Dockerfile'));
    expect(program).toBe('node');
    return [process.execPath, args];
  };
  const [node, args] = command();
  const child = spawn(node, args, { cwd: imageDir, env: listenerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await new Promise((resolve) => lambda.close(resolve));
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    rmSync(bundles, { recursive: true, force: true });
  };
  const until = Date.now() + 30_000;
  while (!/"message":"listening"/.test(output)) {
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`listener did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { process: child, imageDir, env: listenerEnv, port, healthPort, tableName, tlsSecretId, caSecretId, output: () => output, command, stop };
}
