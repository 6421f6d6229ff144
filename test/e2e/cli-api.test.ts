// The CLI as an API client (issue 11 item 4): against a real `capf serve`'s admin API (bearer token from the data
// folder) and against the admin function behind a SigV4-checking stand-in for API Gateway (the SDK's signer verifies
// every request; the function's own event mapping and the admin router over dynalite answer).
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFunction, type HttpApiEvent } from '../../functions/admin/admin-function.ts';
import { createDynamoClient } from '../../cli/local/local-store.ts';
import { startDynalite, type RunningDynalite } from '../../cli/local/dynalite.ts';
import { AdminService } from '../../shared/admin/admin-service.ts';
import { createAdminRouter } from '../../shared/admin/http/index.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import { generateCapfCa } from '../../shared/pki/index.ts';
import { makeChain } from '../support/trust-pki.ts';
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
  const router = createAdminRouter(new AdminService({ stores: createDynamoStores({ client, tableName: 'capf-admin-api' }) }), { issuer: 'capf-kms' });
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

  it('capf trust and capf ca through the API: add, list, show, remove; show, export, regenerate, import', async () => {
    const capf = (...args: string[]) => capfRun([...args, '--endpoint', adminUrl], { env: localEnv });
    const chain = await makeChain('ApiCli');
    const files = join(folder, 'files');
    await mkdir(files, { recursive: true });
    await writeFile(join(files, 'partial.pem'), chain.https.pem + chain.intermediate.pem);
    await writeFile(join(files, 'chain.pem'), chain.intermediate.pem + chain.root.pem);
    expectOneLine(await capf('trust', 'add', join(files, 'partial.pem'), '--store', 'capf'), 1, /^capf: INCOMPLETE_CHAIN: incomplete chain: .* \(key id [0-9a-f]{40}\)/);
    const added = await capf('trust', 'add', join(files, 'chain.pem'), '--store', 'capf', '--description', 'issuing CA');
    expect(added.stdout).toMatch(/^scenario 3: /);
    const entries = JSON.parse((await capf('trust', 'list', '--store', 'capf', '--json')).stdout) as { id: string; subject: string }[];
    const root = entries.find((e) => e.subject.startsWith('CN=ApiCli Root'))!;
    expect((await capf('trust', 'show', root.id.slice(0, 10))).stdout).toContain('BEGIN CERTIFICATE');
    expect((await capf('trust', 'remove', root.id.slice(0, 10), '--store', 'capf')).stdout).toMatch(/^removed [0-9a-f]{16} \(CN=ApiCli Root/);
    expectOneLine(await capf('trust', 'remove', root.id.slice(0, 10)), 2, /^capf: \w*NOT_FOUND/);

    const before = JSON.parse((await capf('ca', 'show', '--json')).stdout) as { id: string; where: string };
    expect(before.where).toBe(join(localEnv.CAPF_DATA_DIR as string, 'capf-ca.pem'));
    const regenerated = await capf('ca', 'regenerate', '--common-name', 'CAPF-apicli01');
    expect(regenerated.stdout).toMatch(/^CAPF certificate [0-9a-f]{64}\n {2}subject: {3}CN=CAPF-apicli01\n/);
    expect(regenerated.stdout).toMatch(/replaced [0-9a-f]{16} .*kept in CAPF-trust/);
    await capf('ca', 'export', '--out', join(files, 'capf.pem'));
    const exported = await readFile(join(files, 'capf.pem'), 'utf8');
    expect(new X509Certificate(exported).subject).toBe('CN=CAPF-apicli01');
    expect(exported).toBe(await readFile(join(localEnv.CAPF_DATA_DIR as string, 'capf-ca.pem'), 'utf8'));

    const own = await generateCapfCa({ commonName: 'CAPF-apicli02' });
    await writeFile(join(files, 'own.pem'), own.certificatePem);
    await writeFile(join(files, 'own.key'), own.privateKeyPem, { mode: 0o600 });
    await writeFile(join(files, 'wrong.key'), (await generateCapfCa()).privateKeyPem, { mode: 0o600 });
    const mismatch = await capf('ca', 'import', '--cert', join(files, 'own.pem'), '--key', join(files, 'wrong.key'));
    expectOneLine(mismatch, 1, /^capf: KEY_MISMATCH: /);
    const imported = JSON.parse((await capf('ca', 'import', '--cert', join(files, 'own.pem'), '--key', join(files, 'own.key'), '--json')).stdout) as { current: { subject: string; previous: { id: string }[] } };
    expect(imported.current.subject).toBe('CN=CAPF-apicli02');
    expect(imported.current.previous.map((e) => e.id)).toContain(before.id);
    const audit = await capf('audit', 'list', '--since', '1h', '--json');
    expect((JSON.parse(audit.stdout) as { action: string; actor: string }[]).filter((e) => e.action.startsWith('ca.')).map((e) => `${e.action} ${e.actor}`)).toEqual(
      expect.arrayContaining(['ca.regenerate local', 'ca.import local']),
    );
    expect(audit.stdout).not.toContain('PRIVATE KEY');
    // A dozen capf processes: room for a busy machine.
  }, 240_000);

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
    expect((await capf('params', 'get')).stdout).toMatch(/^issuer in use: capf-kms\nPARAMETER\s+VALUE\s+ALLOWED\s+MEANING\n/);
    await capf('device', 'set', 'SEP00112233AB02');
    expect((await capf('device', 'delete', 'SEP00112233AB02')).stdout).toMatch(/^deleted device SEP00112233AB02 \(admin API http:\/\/127\.0\.0\.1:\d+\)\n$/);
    expectOneLine(await capf('device', 'delete', 'SEP00112233AB02'), 2, /^capf: NOT_FOUND: no device named SEP00112233AB02/);
  });

  it('wrong credentials are a one-line refusal (exit 1)', async () => {
    expectOneLine(await capfRun(['device', 'list'], { env: { ...awsEnv, AWS_SECRET_ACCESS_KEY: 'wrong' } }), 1, /refused the credentials.*execute-api:Invoke/);
  });
});
