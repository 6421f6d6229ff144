// The offline issuer on moto_server (S3 + DynamoDB): a phone's CSR goes to csr/<device>/<time>-<request id>.csr with
// its metadata and is recorded as pending; the sign service answers pending and keeps answering it without writing
// again; once a certificate is imported the same key is answered with it.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExternalCa, type ExternalCa } from '../../support/external-ca.ts';
import { offlineFixture, type OfflineFixture } from './offline-fixture.ts';

let fixture: OfflineFixture;
let ca: ExternalCa;

beforeAll(async () => {
  fixture = await offlineFixture();
  ca = makeExternalCa();
  fixture.trust.push(ca.rootPem);
});

afterAll(() => ca.close());

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('offline issuer', () => {
  it('exports the CSR with its metadata, records it pending and answers pending', async () => {
    const device = await fixture.device();
    const csr = await fixture.phoneCsr(device.name);
    const response = await fixture.sign(device, csr);
    expect(response.status).toBe('pending');
    if (response.status !== 'pending') return;
    expect(response.message).toMatch(/^waiting for the offline CA: the CSR is csr\//);

    const keys = await fixture.keys(`csr/${device.name}/`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^csr/${device.name}/\\d{4}-\\d{2}-\\d{2}T\\d{6}Z-req-[0-9a-f]+\\.csr$`));
    expect(await fixture.readText(keys[0]!)).toBe(csr.csrPem);
    expect(await fixture.metadata(keys[0]!)).toMatchObject({
      device: device.name,
      'operation-id': device.operationId,
      'key-type': 'RSA 2048',
      'spki-sha256': sha256(csr.key.spkiDer),
    });

    const pending = await fixture.stores.csrs.listForDevice(device.name);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ deviceName: device.name, operationId: device.operationId, objectKey: keys[0], keyType: 'RSA 2048', state: 'pending' });
    const issuance = await fixture.stores.issuances.get({ deviceName: device.name, operationId: device.operationId, spkiSha256: sha256(csr.key.spkiDer) });
    expect(issuance).toMatchObject({ state: 'pending', issuer: 'offline', pendingHandle: `${device.name}/${sha256(csr.key.spkiDer)}` });
  });

  it('answers a repeat of the same CSR pending without a second object, then with the certificate once imported', async () => {
    const device = await fixture.device();
    const csr = await fixture.phoneCsr(device.name);
    expect((await fixture.sign(device, csr)).status).toBe('pending');
    expect((await fixture.sign(device, csr)).status).toBe('pending');
    expect(await fixture.keys(`csr/${device.name}/`)).toHaveLength(1);

    await fixture.upload(`signed/${device.name}.pem`, ca.sign(csr.csrPem));
    const report = await fixture.importer().importObject(`signed/${device.name}.pem`);
    expect(report?.result).toBe('imported');

    const answer = await fixture.sign(device, csr);
    expect(answer.status).toBe('issued');
    if (answer.status !== 'issued') return;
    expect(answer.certificate.subject).toContain(device.name);
    expect(answer.chainPem).toHaveLength(1);
  });

  it('refuses a request without a CSR and a CSR of another key', async () => {
    const device = await fixture.device();
    const csr = await fixture.phoneCsr(device.name);
    const other = await fixture.phoneCsr(device.name);
    const noCsr = await fixture.issuer.issue({ requestId: 'r1', deviceName: device.name, publicKeyDer: csr.key.spkiDer, validityDays: 30 });
    expect(noCsr).toMatchObject({ kind: 'refused', code: 'CSR_REQUIRED' });
    const wrongKey = await fixture.issuer.issue({ requestId: 'r2', deviceName: device.name, publicKeyDer: other.key.spkiDer, csrDer: csr.csrDer, validityDays: 30 });
    expect(wrongKey).toMatchObject({ kind: 'refused', code: 'CSR_KEY_MISMATCH' });
    expect(await fixture.keys(`csr/${device.name}/`)).toHaveLength(0);
  });
});
