// End to end on the local stack with the offline issuer (F3): a phone enrols and its session ends waiting for the
// offline CA; the test takes the CSR out of the s3rver bucket, signs it with an openssl CA of its own, uploads the
// certificate under signed/, the bucket's event runs the import, and the phone's next session (keeping its key)
// installs it; the LSC verifies with openssl against that CA. A phone that makes a new CSR before the first is signed
// leaves the first certificate stale.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staleImports } from '../../shared/domain/offline-csrs.ts';
import { deviceIssuances } from '../../shared/domain/certificate-states.ts';
import { Opcode, Reason } from '../../shared/protocol/index.ts';
import { makeExternalCa, type ExternalCa } from '../support/external-ca.ts';
import { opensslVerify } from '../support/openssl.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

let ca: ExternalCa;
let stack: TestStack;

beforeAll(async () => {
  ca = makeExternalCa({ name: 'Enterprise Offline' });
  stack = await startTestStack({ issuer: { kind: 'offline' }, trustPem: [ca.rootPem] });
});

afterAll(async () => {
  await stack?.close();
  ca?.close();
});

function bucket() {
  const csrBucket = stack.stack.csrBucket;
  if (!csrBucket) throw new Error('the offline stack has no CSR bucket');
  return csrBucket;
}

async function csrKeys(deviceName: string): Promise<string[]> {
  const out = await bucket().s3.send(new ListObjectsV2Command({ Bucket: bucket().bucketName, Prefix: `csr/${deviceName}/` }));
  return (out.Contents ?? []).map((entry) => entry.Key as string).sort();
}

async function text(key: string): Promise<string> {
  const out = await bucket().s3.send(new GetObjectCommand({ Bucket: bucket().bucketName, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

/** Uploads under signed/ as an administrator would, and waits for the event's import to write its report. */
async function upload(name: string, body: Buffer): Promise<Record<string, unknown>> {
  await bucket().s3.send(new PutObjectCommand({ Bucket: bucket().bucketName, Key: `signed/${name}`, Body: body }));
  for (let attempt = 0; attempt < 100; attempt++) {
    await bucket().settled();
    try {
      return JSON.parse(await text(`signed/${name}.result.json`)) as Record<string, unknown>;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`no report for signed/${name}`);
}

describe('offline CA on the local stack', () => {
  it('enrols through the bucket: pending, signed with openssl, imported from the event, installed at the next session', async () => {
    const device = await stack.setDevice({ name: 'SEP0A0B0C0D0E01' });
    const first = await stack.phone(device.name);
    expect(first.error).toBeUndefined();
    expect(first.transcript.map((entry) => entry.opcode)).toContain(Opcode.SignCertificateRequest);
    expect(first.endReason).toBe(Reason.NoAction);
    expect(first.certificatePem).toBeUndefined();
    const waiting = await stack.stack.store.devices.get(device.name);
    expect(waiting).toMatchObject({ operation: 'install', status: 'pending' });
    expect(waiting?.statusReason).toContain('waiting for the offline CA');

    const [csrKey] = await csrKeys(device.name);
    expect(csrKey).toMatch(new RegExp(`^csr/${device.name}/\\d{4}-\\d{2}-\\d{2}T\\d{6}Z-.+\\.csr$`));
    const report = await upload(`${device.name}.pem`, ca.sign(await text(csrKey!)));
    expect(report).toMatchObject({ result: 'imported', certificates: [{ result: 'imported', deviceName: device.name, csr: csrKey }] });

    const second = await stack.phone(device.name, { pendingKeyPem: first.privateKeyPem! });
    expect(second.error).toBeUndefined();
    const served = second.transcript.filter((entry) => entry.direction === 'S').map((entry) => entry.opcode);
    expect(served).not.toContain(Opcode.SignCertificateRequest);
    expect(served).toContain(Opcode.StoreCertificateRequest);
    expect(second.endReason).toBe(Reason.UpdateCertificate);
    expect(second.certificatePem).toBeDefined();
    expect(opensslVerify(ca.rootPem, second.certificatePem!)).toContain('OK');

    const done = await stack.stack.store.devices.get(device.name);
    expect(done).toMatchObject({ operation: 'none', status: 'success' });
    const { records } = await deviceIssuances(stack.stack.store, device.name);
    expect(records.map((record) => record.state)).toEqual(['installed']);
  });

  it('a phone that makes a new CSR before the first is signed leaves the first certificate stale, and receives the second', async () => {
    const device = await stack.setDevice({ name: 'SEP0A0B0C0D0E02' });
    const first = await stack.phone(device.name);
    const second = await stack.phone(device.name); // nothing imported yet: the phone is asked again and makes a new key
    expect(second.endReason).toBe(Reason.NoAction);
    const keys = await csrKeys(device.name);
    expect(keys).toHaveLength(2);
    const [older, newer] = await Promise.all(keys.map((key) => text(key)));

    const staleReport = await upload(`${device.name}-old.pem`, ca.sign(older!));
    expect(staleReport).toMatchObject({ result: 'imported', certificates: [{ stale: true }] });
    expect(staleImports(await stack.stack.store.csrs.list()).map((csr) => csr.deviceName)).toEqual([device.name]);
    expect(first.privateKeyPem).toBeDefined();

    await upload(`${device.name}-new.pem`, ca.sign(newer!));
    const third = await stack.phone(device.name, { pendingKeyPem: second.privateKeyPem! });
    expect(third.endReason).toBe(Reason.UpdateCertificate);
    expect(opensslVerify(ca.rootPem, third.certificatePem!)).toContain('OK');
  });
});
