// Issue 10 item 1, over real TLS on loopback and the real CLI: authentication strings are stored as a keyed hash
// (HMAC-SHA-256 under <data>/auth-string.key), `--generate` prints the string once and nothing shows it again, and a
// string an older version stored in clear still works until an administrator saves the device again (which hashes it).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../cli/local/local-stack.ts';
import { createDynamoClient, LOCAL_TABLE_NAME } from '../../cli/local/local-store.ts';
import { runPhone } from '../../cli/phone/simulator.ts';
import { MemoryLogger } from '../../shared/logging.ts';
import { documentClient } from '../../shared/store/dynamo-document.ts';
import { deviceKey } from '../../shared/store/dynamo-table.ts';

const run = promisify(execFile);
const CAPF = join(process.cwd(), 'bin', 'capf.js');
let dataDir: string;
let stack: LocalStack;
let logger: MemoryLogger;

const capf = (...args: string[]) => run(process.execPath, [CAPF, ...args, '--data', dataDir], { timeout: 60_000 });
const phone = (deviceName: string, password: string) =>
  runPhone({ host: '127.0.0.1', port: stack.addresses[0]?.port as number, deviceName, caPem: stack.ca.certificatePem, timeoutMs: 8_000, auth: { mode: 'password', password } });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'capf-hash-'));
});
afterAll(async () => {
  await stack?.close(1_000);
  await rm(dataDir, { recursive: true, force: true });
});

describe('authentication strings stored as a keyed hash', () => {
  let generated: string;

  it('`device set --generate` makes the key file, prints the string once, and stores only its hash', async () => {
    const set = await capf('device', 'set', 'SEP0000000D0001', '--operation', 'install', '--generate');
    generated = /authentication string: (\d{8})/.exec(set.stdout)?.[1] as string;
    expect(generated).toMatch(/^\d{8}$/);
    const keyFile = join(dataDir, 'auth-string.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await readFile(keyFile, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);

    const text = await capf('device', 'get', 'SEP0000000D0001');
    const json = await capf('device', 'get', 'SEP0000000D0001', '--json');
    for (const shown of [text.stdout, json.stdout]) {
      expect(shown).not.toContain(generated);
      expect(shown).not.toContain('hmac-sha256');
    }
    expect(JSON.parse(json.stdout)).toMatchObject({ authMode: 'auth-string', authStringSet: true });
  });

  it('the listener checks the phone against the hash: a wrong string END 7, the generated one END 1', async () => {
    logger = new MemoryLogger();
    stack = await startLocalStack({ dataDir, hosts: ['127.0.0.1'], port: 0, logger, messageTimeoutMs: 1_500, handshakeTimeoutMs: 1_500 });
    const stored = await stack.store.devices.get('SEP0000000D0001');
    expect(stored?.authString).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(generated);
    expect((await phone('SEP0000000D0001', '00000000')).endReason).toBe(7);
    expect((await phone('SEP0000000D0001', generated)).endReason).toBe(1);
    expect(JSON.stringify(logger.entries)).not.toContain(generated);
  });

  it('a string an older version stored in clear still works, and is hashed when the device is saved again', async () => {
    const doc = documentClient(createDynamoClient(stack.storeEndpoint));
    const name = 'SEP0000000D0002';
    await capf('device', 'set', name, '--operation', 'install', '--generate');
    const item = (await doc.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: deviceKey(name) }))).Item as Record<string, unknown>;
    await doc.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...item, authString: '77553311' } })); // as an older version wrote it

    expect((await phone(name, '77553300')).endReason).toBe(7);
    expect((await stack.store.devices.get(name))?.authFailures).toBe(1);

    await capf('device', 'set', name, '--operation', 'install'); // any save hashes what it finds in clear
    const saved = (await doc.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: deviceKey(name) }))).Item;
    expect(saved?.authString).toMatch(/^hmac-sha256:/);
    expect((await phone(name, '77553311')).endReason).toBe(1);
  });
});
