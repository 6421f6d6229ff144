// `capf csr delete` on a data folder with no capf serve running: the CSR's record and its object in the folder's
// bucket files go together (the CLI starts s3rver over the files for the deletion), one at a time and --all.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack } from '../../cli/local/local-stack.ts';
import { runPhone } from '../../cli/phone/simulator.ts';
import { MemoryLogger } from '../../shared/logging.ts';
import { Reason } from '../../shared/protocol/index.ts';

const run = promisify(execFile);
const CAPF = join(process.cwd(), 'bin', 'capf.js');
let dataDir: string;

/** The CSR objects among the bucket's files (s3rver keeps an object as files named after its key). */
async function csrFiles(): Promise<string[]> {
  return (await readdir(join(dataDir, 'csr-bucket'), { recursive: true })).map(String).filter((name) => /\.csr\._S3rver_object$/.test(name));
}

function capf(...args: string[]) {
  return run(process.execPath, [CAPF, ...args, '--data', dataDir], { timeout: 60_000 });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'capf-offline-folder-'));
  // Three phones leave CSRs with the offline issuer; then the stack stops.
  const stack = await startLocalStack({ dataDir, hosts: ['127.0.0.1'], port: 0, logger: new MemoryLogger(), issuer: { kind: 'offline' } });
  try {
    for (const name of ['SEP0000000DF001', 'SEP0000000DF002', 'SEP0000000DF003']) {
      await stack.store.devices.put({ name, operation: 'install', authMode: 'null-string', keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
      const result = await runPhone({ host: '127.0.0.1', port: stack.addresses[0]!.port, deviceName: name, caPem: stack.ca.certificatePem, timeoutMs: 10_000 });
      expect(result.endReason, result.error).toBe(Reason.NoAction);
    }
  } finally {
    await stack.close(1_000);
  }
}, 120_000);
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('capf csr delete on the data folder', () => {
  it('removes the record and the bucket object, one and --all', async () => {
    expect(await csrFiles()).toHaveLength(3);
    const listed = JSON.parse((await capf('csr', 'list', '--json')).stdout) as Array<{ name: string; deviceName: string }>;
    const first = listed.find((csr) => csr.deviceName === 'SEP0000000DF001')!;
    expect((await capf('csr', 'delete', first.name)).stdout).toBe(`deleted ${first.name} of SEP0000000DF001\n`);
    const left = await csrFiles();
    expect(left).toHaveLength(2);
    expect(left.some((file) => file.includes('SEP0000000DF001'))).toBe(false);

    expect((await capf('csr', 'delete', '--all')).stdout).toBe('deleted 2 pending CSRs\n');
    expect(await csrFiles()).toEqual([]);
    expect(JSON.parse((await capf('csr', 'count', '--json')).stdout)).toMatchObject({ pending: 0 });
  });
});
