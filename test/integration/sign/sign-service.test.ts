// SignService over Stores on moto_server with the software CAPF CA: one issuance, refusals, idempotent
// retries, a storm of 20 identical concurrent requests (one certificate), and lease takeover (F15).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AcmPcaIssuer } from '../../../shared/issuers/acm-pca/index.ts';
import type { IssuanceRecord, IssueRequest, IssueResult, Issuer } from '../../../shared/ports/index.ts';
import { derToPem, toStoredCertificate } from '../../../shared/pki/index.ts';
import { SignService, type SignRequest, type SignResponse } from '../../../shared/signing/index.ts';
import { motoClients, opensslVerify, phoneKey, uniqueName } from '../issuers/moto-aws.ts';
import { installDevice, signFixture, type SignFixture } from './sign-fixture.ts';

let fixture: SignFixture;

beforeAll(async () => {
  fixture = await signFixture();
});

function request(deviceName: string, operationId: string, publicKeyDer: Uint8Array, extra: Partial<SignRequest> = {}): SignRequest {
  return { requestId: uniqueName('req'), deviceName, operationId, publicKeyDer, ...extra };
}

function spkiSha256(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/** Another signer's claim on (device, operation, key), as if it were signing right now; the record it would write. */
async function reserve(device: { name: string; operationId: string }, spkiDer: Uint8Array, requestId: string, leaseMs: number): Promise<IssuanceRecord> {
  const claim = await fixture.store.devices.claimKey(device.name, device.operationId, { spkiSha256: spkiSha256(spkiDer), requestId, leaseMs, limit: 3 });
  if (claim.verdict !== 'claimed') throw new Error(`setup: claim ${claim.verdict}`);
  return { deviceName: device.name, operationId: device.operationId, spkiSha256: spkiSha256(spkiDer), requestId, state: 'reserved', chainPem: [], issuer: 'capf-software', createdAt: new Date().toISOString() };
}

function issued(response: SignResponse): Extract<SignResponse, { status: 'issued' }> {
  if (response.status !== 'issued') throw new Error(`expected issued, got ${JSON.stringify(response)}`);
  return response;
}

describe('SignService', () => {
  it('issues one LSC, records it, and answers a retry with the same certificate', async () => {
    const service = new SignService({ stores: fixture.store, issuer: fixture.issuer });
    const device = await installDevice(fixture.store);
    const key = phoneKey('rsa');
    const calls = fixture.issuer.calls;

    const first = issued(await service.sign(request(device.name, device.operationId, key.spkiDer, { sessionId: 7 })));
    expect(await opensslVerify(fixture.ca.certificatePem, first.certificate.pem)).toMatch(/: OK/);
    expect(first.chainPem).toEqual([fixture.ca.certificatePem]);
    expect(first.certificate.serialHex).toBe(toStoredCertificate(new Uint8Array(Buffer.from(first.certificate.pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'))).serialHex);

    const records = await fixture.store.issuances.listForDevice(device.name);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ state: 'issued', spkiSha256: spkiSha256(key.spkiDer), issuer: 'capf-software' });
    expect(records[0]?.certificate?.serialHex).toBe(first.certificate.serialHex);

    // The phone retries (a new session, so a new request id): same certificate, no new signature.
    const retry = issued(await service.sign(request(device.name, device.operationId, key.spkiDer)));
    expect(retry.certificate.serialHex).toBe(first.certificate.serialHex);
    expect(fixture.issuer.calls - calls).toBe(1);
  });

  it('uses the LSC validity service parameter', async () => {
    const { store } = fixture;
    await store.parameters.update({ lscValidityDays: 10 });
    try {
      const device = await installDevice(store);
      const response = issued(await new SignService({ stores: store, issuer: fixture.issuer }).sign(request(device.name, device.operationId, phoneKey('rsa').spkiDer)));
      const record = (await store.issuances.listForDevice(device.name))[0];
      const days = (Date.parse(record?.certificate?.notAfter ?? '') - Date.parse(record?.certificate?.notBefore ?? '')) / 86_400_000;
      expect(days).toBe(10);
      expect(response.status).toBe('issued');
    } finally {
      await store.parameters.update({ lscValidityDays: 365 });
    }
  });

  it('refuses requests that must not get a certificate, with a specific code', async () => {
    const { store } = fixture;
    const service = new SignService({ stores: store, issuer: fixture.issuer });
    const rsa = phoneKey('rsa').spkiDer;
    const device = await installDevice(store);
    const expectRefused = async (req: SignRequest, code: string, reason?: RegExp) => {
      const response = await service.sign(req);
      expect(response).toMatchObject({ status: 'refused', code });
      if (reason && response.status === 'refused') expect(response.reason).toMatch(reason);
    };

    await expectRefused(request('SEP000000000000', 'op', rsa), 'UNKNOWN_DEVICE', /not configured/);
    await expectRefused(request('bad name!', 'op', rsa), 'INVALID_DEVICE_NAME');
    await expectRefused(request(device.name, 'another-operation', rsa), 'OPERATION_CHANGED');
    await expectRefused(request(device.name, device.operationId, new Uint8Array([0x30, 0x00])), 'INVALID_PUBLIC_KEY');
    await expectRefused(request(device.name, device.operationId, phoneKey('ec').spkiDer), 'KEY_MISMATCH', /key order rsa.*EC key/);
    const rsa1024 = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }));
    await expectRefused(request(device.name, device.operationId, rsa1024), 'KEY_MISMATCH', /RSA 2048.*RSA 1024/);

    const none = await installDevice(store, { operation: 'none' });
    await expectRefused(request(none.name, none.operationId, rsa), 'NO_INSTALL_OPERATION');
    const deleting = await installDevice(store, { operation: 'delete' });
    await expectRefused(request(deleting.name, deleting.operationId, rsa), 'NO_INSTALL_OPERATION');
    const late = await installDevice(store, { completesBy: '2020-01-01T00:00:00Z' });
    await expectRefused(request(late.name, late.operationId, rsa), 'OPERATION_EXPIRED', /2020-01-01/);

    // F17: FIPS mode refuses RSA 1024 even when the device asks for it.
    const small = await installDevice(store, { rsaKeySize: 1024 });
    const fips = new SignService({ stores: store, issuer: fixture.issuer, fipsMode: true });
    expect(await fips.sign(request(small.name, small.operationId, rsa1024))).toMatchObject({ status: 'refused', code: 'FIPS_KEY' });
    expect(await service.sign(request(small.name, small.operationId, rsa1024))).toMatchObject({ status: 'issued' });

    // None of the refusals left an issuance record behind.
    expect(await store.issuances.listForDevice(device.name)).toEqual([]);
  });

  it('issue 10: 10 concurrent requests with different keys for one operation get exactly 3 certificates; repeats of an issued key are not counted', async () => {
    const { store } = fixture;
    const service = new SignService({ stores: store, issuer: fixture.issuer });
    const device = await installDevice(store);
    const keys = Array.from({ length: 10 }, () => phoneKey('rsa').spkiDer);
    const answers = await Promise.all(keys.map((spki) => service.sign(request(device.name, device.operationId, spki))));
    const issued = answers.filter((answer) => answer.status === 'issued');
    expect(issued).toHaveLength(3);
    for (const answer of answers.filter((a) => a.status !== 'issued')) expect(answer).toMatchObject({ status: 'refused', code: 'CERTIFICATE_LIMIT' });
    expect((await store.devices.get(device.name))?.certificatesIssued).toBe(3);
    expect(await store.issuances.listForDevice(device.name)).toHaveLength(3);
    // The same key again (a retried call) still answers its certificate, and counts nothing.
    const repeatKey = keys[answers.findIndex((answer) => answer.status === 'issued')] as Uint8Array;
    expect(await service.sign(request(device.name, device.operationId, repeatKey))).toMatchObject({ status: 'issued' });
    expect((await store.devices.get(device.name))?.certificatesIssued).toBe(3);
  });

  it('accepts the RSA backup key for an ec-rsa device and the configured curve for ec', async () => {
    const service = new SignService({ stores: fixture.store, issuer: fixture.issuer });
    const ecRsa = await installDevice(fixture.store, { keyOrder: 'ec-rsa' });
    expect((await service.sign(request(ecRsa.name, ecRsa.operationId, phoneKey('rsa').spkiDer))).status).toBe('issued');
    const ec = await installDevice(fixture.store, { keyOrder: 'ec', curve: 'P-256' });
    expect((await service.sign(request(ec.name, ec.operationId, phoneKey('ec').spkiDer))).status).toBe('issued');
  });

  // One service answering one request delivered 20 times, or 20 services (containers) each with its own request.
  it.each([
    ['one shared service', 'rsa' as const, true],
    ['one service per request', 'ec' as const, false],
  ])('a storm of 20 identical concurrent requests through %s yields exactly one certificate', async (_via, keyType, shared) => {
    const device = await installDevice(fixture.store, { keyOrder: keyType });
    const key = phoneKey(keyType).spkiDer;
    const service = new SignService({ stores: fixture.store, issuer: fixture.issuer });
    const same = request(device.name, device.operationId, key);
    const send = shared
      ? () => service.sign(same)
      : () => new SignService({ stores: fixture.store, issuer: fixture.issuer }).sign(request(device.name, device.operationId, key));
    const calls = fixture.issuer.calls;
    const answers = await Promise.all(Array.from({ length: 20 }, send));
    const serials = new Set(answers.map((answer) => issued(answer).certificate.serialHex));
    expect(serials.size).toBe(1);
    expect(fixture.issuer.calls - calls).toBe(1);
    const records = await fixture.store.issuances.listForDevice(device.name);
    expect(records).toHaveLength(1);
    expect(records[0]?.certificate?.serialHex).toBe([...serials][0]);
  });

  it('takes over a reservation whose lease expired (its signer died) and signs', async () => {
    const { store } = fixture;
    const device = await installDevice(store);
    const key = phoneKey('rsa');
    await reserve(device, key.spkiDer, 'dead-signer', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const answer = issued(await new SignService({ stores: store, issuer: fixture.issuer }).sign(request(device.name, device.operationId, key.spkiDer)));
    const record = await store.issuances.get({ deviceName: device.name, operationId: device.operationId, spkiSha256: spkiSha256(key.spkiDer) });
    expect(record).toMatchObject({ state: 'issued' });
    expect(record?.requestId).not.toBe('dead-signer');
    expect(record?.certificate?.serialHex).toBe(answer.certificate.serialHex);
  });

  it('waits for a live signer and answers with its certificate; answers pending if it takes too long', async () => {
    const { store } = fixture;
    const device = await installDevice(store);
    const key = phoneKey('rsa');
    const other = await reserve(device, key.spkiDer, 'other-signer', 60_000);

    const calls = fixture.issuer.calls;
    const waiting = new SignService({ stores: store, issuer: fixture.issuer, maxWaitMs: 10_000 }).sign(request(device.name, device.operationId, key.spkiDer));
    // The other signer finishes while we wait.
    const result = await fixture.issuer.issue({ requestId: 'other-signer', deviceName: device.name, publicKeyDer: key.spkiDer, validityDays: 30 });
    if (result.kind !== 'issued') throw new Error('setup: issue failed');
    await store.issuances.complete({ ...other, state: 'issued', certificate: toStoredCertificate(result.certificateDer), chainPem: [derToPem(fixture.ca.certificateDer)] });
    const answer = issued(await waiting);
    expect(answer.certificate.serialHex).toBe(toStoredCertificate(result.certificateDer).serialHex);
    expect(fixture.issuer.calls - calls).toBe(1); // only the other signer's

    const stuck = await installDevice(store);
    await reserve(stuck, key.spkiDer, 'slow-signer', 60_000);
    const impatient = new SignService({ stores: store, issuer: fixture.issuer, maxWaitMs: 150 });
    expect(await impatient.sign(request(stuck.name, stuck.operationId, key.spkiDer))).toMatchObject({ status: 'pending' });
  });

  it('closes the record when the issuer refuses, so duplicates get a refusal instead of waiting', async () => {
    const { store } = fixture;
    const pca = new AcmPcaIssuer({ client: motoClients().acmPca, certificateAuthorityArn: 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/abc' });
    const service = new SignService({ stores: store, issuer: pca });
    const device = await installDevice(store);
    const key = phoneKey('rsa').spkiDer;
    expect(await service.sign(request(device.name, device.operationId, key))).toMatchObject({ status: 'refused', code: 'CSR_REQUIRED' });
    expect(await store.issuances.get({ deviceName: device.name, operationId: device.operationId, spkiSha256: spkiSha256(key) })).toMatchObject({ state: 'abandoned' });
    expect(await service.sign(request(device.name, device.operationId, key))).toMatchObject({ status: 'refused', code: 'ISSUANCE_ABANDONED' });
  });

  it('a refusal arriving after another signer took the lease over leaves that signer\'s certificate in place', async () => {
    const { store } = fixture;
    const device = await installDevice(store);
    const key = phoneKey('rsa').spkiDer;
    const issuanceKey = { deviceName: device.name, operationId: device.operationId, spkiSha256: spkiSha256(key) };
    let serialOfB = '';
    // Signer A's issuer is slow past A's 1 ms lease: signer B takes the claim over and stores its certificate, then
    // A's issuer refuses.
    const slowRefusal: Issuer = {
      name: 'capf-software',
      issue: async (issue) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const claim = await store.devices.claimKey(device.name, device.operationId, { spkiSha256: issuanceKey.spkiSha256, requestId: 'signer-b', leaseMs: 60_000, limit: 3 });
        if (claim.verdict !== 'claimed' || !claim.takeover) throw new Error('setup: takeover failed');
        const result = await fixture.issuer.issue({ ...issue, requestId: 'signer-b' });
        if (result.kind !== 'issued') throw new Error('setup: issue failed');
        const recordOfB: IssuanceRecord = { ...issuanceKey, requestId: 'signer-b', state: 'issued', certificate: toStoredCertificate(result.certificateDer), chainPem: [], issuer: 'capf-software', createdAt: new Date().toISOString() };
        serialOfB = (await store.issuances.complete(recordOfB)).certificate?.serialHex ?? '';
        return { kind: 'refused', code: 'POLICY', reason: 'refused by the CA policy' };
      },
      describe: () => fixture.issuer.describe(),
    };

    const answer = await new SignService({ stores: store, issuer: slowRefusal, leaseMs: 1 }).sign(request(device.name, device.operationId, key));
    expect(await store.issuances.get({ deviceName: device.name, operationId: device.operationId, spkiSha256: spkiSha256(key) })).toMatchObject({ state: 'issued', requestId: 'signer-b' });
    expect(issued(answer).certificate.serialHex).toBe(serialOfB);
  });

  it('asks a CA that queued the request again on the next request, and stores the certificate once approved', async () => {
    const { store } = fixture;
    const approvals = new ApprovalCa(fixture.issuer);
    const service = new SignService({ stores: store, issuer: approvals });
    const device = await installDevice(store);
    const key = phoneKey('rsa').spkiDer;
    const calls = fixture.issuer.calls;

    expect(await service.sign(request(device.name, device.operationId, key))).toMatchObject({ status: 'pending', message: 'waiting for a CA manager' });
    expect(await store.issuances.get({ deviceName: device.name, operationId: device.operationId, spkiSha256: spkiSha256(key) })).toMatchObject({ state: 'pending', pendingHandle: 'approval:1' });
    expect(await service.sign(request(device.name, device.operationId, key))).toMatchObject({ status: 'pending' });

    approvals.approved = true;
    const answer = issued(await service.sign(request(device.name, device.operationId, key)));
    expect(await store.issuances.get({ deviceName: device.name, operationId: device.operationId, spkiSha256: spkiSha256(key) })).toMatchObject({ state: 'issued', certificate: { serialHex: answer.certificate.serialHex } });
    expect(issued(await service.sign(request(device.name, device.operationId, key))).certificate.serialHex).toBe(answer.certificate.serialHex);
    expect(fixture.issuer.calls - calls).toBe(1);
    expect(approvals.submissions).toBe(1);
  });
});

/** A CA that queues every request until a manager approves it (like an AD CS template needing approval). */
class ApprovalCa implements Issuer {
  readonly name = 'approval-ca';
  approved = false;
  submissions = 0;
  private readonly queued = new Map<string, IssueRequest>();
  constructor(private readonly signer: Issuer) {}
  async issue(request: IssueRequest): Promise<IssueResult> {
    this.submissions++;
    const handle = `approval:${this.submissions}`;
    this.queued.set(handle, request);
    return { kind: 'pending', handle, message: 'waiting for a CA manager' };
  }
  async fetchPending(handle: string): Promise<IssueResult> {
    const request = this.queued.get(handle);
    if (!request) return { kind: 'refused', code: 'BAD_HANDLE', reason: 'unknown handle' };
    if (!this.approved) return { kind: 'pending', handle, message: 'still waiting for a CA manager' };
    return this.signer.issue(request);
  }
  describe() {
    return this.signer.describe();
  }
}
