// `capf serve --workers N --issuer offline`: the primary runs the CSR bucket (s3rver) once and the import on its
// events; every worker writes its phones' CSRs into that bucket. A phone enrols through one worker (waiting for the
// offline CA), the test signs the CSR with an openssl CA, uploads it under signed/, the primary imports it, and the
// phone's next session (through the other worker: round-robin) installs it.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListenerCluster, type ListenerCluster } from '../../../cli/local/cluster.ts';
import { localAdmin } from '../../../cli/local/local-admin.ts';
import { openLocalStore } from '../../../cli/local/local-store.ts';
import { runPhone } from '../../../cli/phone/simulator.ts';
import { MemoryLogger } from '../../../shared/logging.ts';
import { Opcode, Reason } from '../../../shared/protocol/index.ts';
import { makeExternalCa, type ExternalCa } from '../../support/external-ca.ts';
import { opensslVerify } from '../../support/openssl.ts';

const DEVICE = 'SEP00000000CB01';
let dataDir: string;
let cluster: ListenerCluster | undefined;
let external: ExternalCa;
const logger = new MemoryLogger();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'capf-cluster-offline-'));
  external = makeExternalCa({ name: 'Cluster Offline' });
  const local = await openLocalStore(dataDir);
  try {
    await localAdmin(dataDir, local.store).trust.add({ actor: 'test' }, external.rootPem, { store: 'capf', description: 'offline CA root' });
  } finally {
    await local.close();
  }
  cluster = await startListenerCluster({ dataDir, hosts: ['127.0.0.1'], port: 0, workers: 2, logger, logLevel: 'error', caKeyType: 'ec', issuer: { kind: 'offline' } });
}, 90_000);

afterAll(async () => {
  await cluster?.close(1_000);
  external?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the offline issuer in a cluster', () => {
  it('one bucket in the primary: CSR from a worker, import from the event, LSC delivered by the other worker', async () => {
    const c = cluster!;
    const bucket = c.csrBucket!;
    expect(bucket.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = c.addresses[0]!.port;
    await c.store.devices.put({ name: DEVICE, operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
    const phone = (pendingKeyPem?: string) => runPhone({ host: '127.0.0.1', port, deviceName: DEVICE, caPem: c.ca.certificatePem, timeoutMs: 10_000, ...(pendingKeyPem ? { pendingKeyPem } : {}) });

    const first = await phone();
    expect(first.error).toBeUndefined();
    expect(first.endReason).toBe(Reason.NoAction);
    expect((await c.store.devices.get(DEVICE))?.statusReason).toContain('waiting for the offline CA');
    const listed = await bucket.s3.send(new ListObjectsV2Command({ Bucket: bucket.bucketName, Prefix: `csr/${DEVICE}/` }));
    const [csrKey] = (listed.Contents ?? []).map((entry) => entry.Key as string);
    expect(csrKey).toMatch(/\.csr$/);
    const csrPem = await (await bucket.s3.send(new GetObjectCommand({ Bucket: bucket.bucketName, Key: csrKey }))).Body!.transformToString();

    await bucket.s3.send(new PutObjectCommand({ Bucket: bucket.bucketName, Key: `signed/${DEVICE}.pem`, Body: external.sign(csrPem) }));
    await expect.poll(async () => (await c.store.csrs.list()).find((csr) => csr.deviceName === DEVICE)?.imported, { timeout: 20_000, interval: 100 }).toBeDefined();
    await bucket.settled();
    expect(logger.entries.some((e) => e.message === 'certificate upload imported')).toBe(true);

    const second = await phone(first.privateKeyPem!);
    expect(second.error).toBeUndefined();
    expect(second.transcript.filter((e) => e.direction === 'S').map((e) => e.opcode)).not.toContain(Opcode.SignCertificateRequest);
    expect(second.endReason).toBe(Reason.UpdateCertificate);
    expect(opensslVerify(external.rootPem, second.certificatePem!)).toContain('OK');
    expect(second.sessionId % 2).not.toBe(first.sessionId % 2); // the two sessions went to different workers
    expect(await c.store.devices.get(DEVICE)).toMatchObject({ operation: 'none', status: 'success' });
  });
});
