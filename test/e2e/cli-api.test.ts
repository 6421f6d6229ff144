// The CLI as an API client (issue 11 item 4): against a real `capf serve`'s admin API (bearer token from the data
// folder) and against the admin function behind a SigV4-checking stand-in for API Gateway (the SDK's signer verifies
// every request; the function's own event mapping and the admin router over dynalite answer).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFunction, type HttpApiEvent } from '../../functions/admin/admin-function.ts';
import { createDynamoClient } from '../../cli/local/local-store.ts';
import { startDynalite, type RunningDynalite } from '../../cli/local/dynalite.ts';
import { AdminService } from '../../shared/admin/admin-service.ts';
import { createAdminRouter } from '../../shared/admin/http/index.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import { capfRun, startServe, type ServeProcess } from '../support/capf-process.ts';
import { startSigV4StandIn, type StandIn } from '../support/sigv4-stand-in.ts';

const PRINCIPAL = 'arn:aws:iam::123456789012:user/capf-admin';
const credentials = { accessKeyId: 'AKIDCAPFCLITEST', secretAccessKey: 'capf-cli-test-secret' };

let folder: string;
let serve: ServeProcess;
let adminUrl: string;
let dynalite: RunningDynalite;
let standIn: StandIn;
let localEnv: NodeJS.ProcessEnv;
let awsEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capf-cli-api-'));
  const dataDir = join(folder, 'data');
  localEnv = { ...process.env, CAPF_DATA_DIR: dataDir };
  delete localEnv.CAPF_ENDPOINT;
  serve = await startServe(['--port', '0', '--host', '127.0.0.1'], localEnv);
  adminUrl = serve.adminUrl as string;

  // The deployed stack, on this machine: the admin function's definition and router over a table in dynalite.
  dynalite = await startDynalite();
  const client = createDynamoClient(dynalite.endpoint);
  await ensureTable(client, 'capf-admin-api');
  const router = createAdminRouter(new AdminService({ stores: createDynamoStores({ client, tableName: 'capf-admin-api' }) }));
  const definition = adminFunction(async () => ({ router }));
  standIn = await startSigV4StandIn({
    credentials,
    region: 'eu-west-1',
    forward: async (request) => {
      const rawQueryString = new URLSearchParams(request.query).toString();
      const event: HttpApiEvent = {
        rawPath: request.path,
        rawQueryString,
        headers: Object.fromEntries(Object.entries(request.headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
        ...(rawQueryString ? { queryStringParameters: request.query } : {}),
        ...(request.body ? { body: request.body } : {}),
        requestContext: { http: { method: request.method }, authorizer: { iam: { userArn: PRINCIPAL } } },
      };
      const result = (await definition.work(event, { router }, {})) as { statusCode: number; headers?: Record<string, string>; body?: string };
      return { status: result.statusCode, ...(result.body !== undefined ? { body: JSON.parse(result.body) as unknown } : {}) };
    },
  });
  awsEnv = {
    ...process.env,
    CAPF_DATA_DIR: join(folder, 'unused'),
    CAPF_ENDPOINT: standIn.url,
    CAPF_ENDPOINT_AUTH: 'sigv4',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  delete awsEnv.AWS_PROFILE;
  delete awsEnv.AWS_SESSION_TOKEN;
});

afterAll(async () => {
  await serve?.stop();
  await standIn?.close();
  await dynalite?.close();
  await rm(folder, { recursive: true, force: true });
});

function expectOneLine(run: { stderr: string; code: number }, code: number, pattern: RegExp): void {
  expect(run.code).toBe(code);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('the CLI on a local stack through its admin API', () => {
  it('--endpoint with the token from the data folder: device set, list, params, audit', async () => {
    const capf = (...args: string[]) => capfRun([...args, '--endpoint', adminUrl], { env: localEnv });
    const set = await capf('device', 'set', 'sep00112233ab01', '--operation', 'install', '--key-order', 'ec');
    expect(set.stdout).toMatch(/^created device SEP00112233AB01\n/);
    const list = JSON.parse((await capf('device', 'list', '--status', 'pending', '--json')).stdout) as { name: string }[];
    expect(list.map((d) => d.name)).toContain('SEP00112233AB01');
    expect((await capf('params', 'set', '--keepalive-minutes', '10')).stdout).toMatch(/keepalive-minutes\s+10\s+5-60 minutes/);
    const audit = await capf('audit', 'list', '--device', 'SEP00112233AB01', '--since', '1h');
    expect(audit.stdout).toMatch(/^AT\s+WHO\s+ACTION\s+DEVICE\s+RESULT\s+DETAIL\n/);
    expect(audit.stdout).toMatch(/local\s+device\.\S+\s+SEP00112233AB01\s+ok/);
  });

  it('a wrong token is refused in one line (exit 1); an endpoint that does not answer is exit 3', async () => {
    expectOneLine(await capfRun(['device', 'list', '--endpoint', adminUrl], { env: { ...localEnv, CAPF_ADMIN_TOKEN: 'x'.repeat(43) } }), 1, /^capf: UNAUTHORISED: .*refused the credentials/);
    expectOneLine(await capfRun(['device', 'list', '--endpoint', 'http://127.0.0.1:9'], { env: localEnv }), 3, /^capf: UNREACHABLE: cannot reach the admin API at http:\/\/127\.0\.0\.1:9/);
  });
});

describe('the CLI on a deployed stack: SigV4 through API Gateway (stand-in) to the admin function', () => {
  const capf = (...args: string[]) => capfRun(args, { env: awsEnv });

  it('creates a device with a generated string, shows it without the string, and the audit names the IAM principal', async () => {
    const set = await capf('device', 'set', 'csfjsmith', '--operation', 'install', '--generate');
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^created device CSFJSMITH\n/);
    const generated = /authentication string: (\d+)/.exec(set.stdout)?.[1] as string;
    expect(generated).toMatch(/^\d{6,}$/);
    const get = await capf('device', 'get', 'CSFJSMITH', '--json');
    expect(JSON.parse(get.stdout)).toMatchObject({ name: 'CSFJSMITH', authMode: 'auth-string', authStringSet: true, operation: 'install' });
    expect(get.stdout).not.toContain(generated);
    const audit = JSON.parse((await capf('audit', 'list', '--device', 'CSFJSMITH', '--json')).stdout) as { actor: string; action: string }[];
    expect(audit[0]).toMatchObject({ actor: PRINCIPAL });
    expect(JSON.stringify(audit)).not.toContain(generated);
    expect(standIn.refused).toBe(0);
  });

  it('params get through the function; delete says what it did, then "not found" is exit 2', async () => {
    expect((await capf('params', 'get')).stdout).toMatch(/^PARAMETER\s+VALUE\s+ALLOWED\s+MEANING\n/);
    await capf('device', 'set', 'SEP00112233AB02');
    expect((await capf('device', 'delete', 'SEP00112233AB02')).stdout).toMatch(/^deleted device SEP00112233AB02 \(admin API http:\/\/127\.0\.0\.1:\d+\)\n$/);
    expectOneLine(await capf('device', 'delete', 'SEP00112233AB02'), 2, /^capf: NOT_FOUND: no device named SEP00112233AB02/);
  });

  it('wrong credentials are a one-line refusal (exit 1)', async () => {
    expectOneLine(await capfRun(['device', 'list'], { env: { ...awsEnv, AWS_SECRET_ACCESS_KEY: 'wrong' } }), 1, /refused the credentials.*execute-api:Invoke/);
  });
});
