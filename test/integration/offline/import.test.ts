// The offline CA's import on moto_server: certificates signed with openssl (`openssl x509 -req`) come back as PEM, DER,
// several PEMs or a PKCS#7 bundle with the intermediate, are matched to their pending CSR by public key and written
// into the CSR and issuance records; every refusal has its code in signed/<name>.result.json and an audit event; a
// re-run (event delivered twice, crash between the store writes and the report) finishes once; a CSR the phone
// replaced before its certificate came makes that certificate stale.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staleImports, waitingImport } from '../../../shared/domain/offline-csrs.ts';
import type { Device } from '../../../shared/model.ts';
import { CertificateImporter } from '../../../shared/issuers/offline/certificate-import.ts';
import { pemToDer } from '../../../shared/pki/index.ts';
import type { AuditLog } from '../../../shared/ports/index.ts';
import { makeExternalCa, type ExternalCa, type SignOptions } from '../../support/external-ca.ts';
import { offlineFixture, type OfflineFixture } from './offline-fixture.ts';

let fixture: OfflineFixture;
let ca: ExternalCa;
let chained: ExternalCa;
let stranger: ExternalCa;

beforeAll(async () => {
  fixture = await offlineFixture();
  ca = makeExternalCa();
  chained = makeExternalCa({ intermediate: true, name: 'Chained' });
  stranger = makeExternalCa({ name: 'Stranger' });
  // CAPF-trust holds the offline CA's root and the chained CA's root; never the stranger's, never the intermediate.
  fixture.trust.push(ca.rootPem, chained.rootPem);
});

afterAll(() => [ca, chained, stranger].forEach((each) => each.close()));

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A device whose phone sent a CSR that is now pending; returns it and the CSR's PEM. */
async function pendingDevice(): Promise<{ device: Device; csrPem: string; spkiSha256: string }> {
  const device = await fixture.device();
  const csr = await fixture.phoneCsr(device.name);
  expect((await fixture.sign(device, csr)).status).toBe('pending');
  return { device, csrPem: csr.csrPem, spkiSha256: sha256(csr.key.spkiDer) };
}

async function uploadAndImport(name: string, body: Uint8Array | string, now?: () => Date) {
  const key = `signed/${name}`;
  await fixture.upload(key, body);
  const report = await fixture.importer(now).importObject(key);
  const written = JSON.parse((await fixture.readText(`${key}.result.json`)) ?? 'null');
  expect(written).toEqual(report);
  return report!;
}

describe('import', () => {
  it('imports a PEM certificate: the CSR and issuance records hold it, and the device waits for it', async () => {
    const { device, csrPem, spkiSha256 } = await pendingDevice();
    const report = await uploadAndImport(`${device.name}.pem`, ca.sign(csrPem));
    expect(report).toMatchObject({ source: `signed/${device.name}.pem`, result: 'imported', certificates: [{ result: 'imported', deviceName: device.name }] });
    expect(report.certificates[0]?.stale).toBeUndefined();
    const csrs = await fixture.stores.csrs.listForDevice(device.name);
    expect(csrs[0]).toMatchObject({ state: 'imported', imported: { source: `signed/${device.name}.pem` } });
    expect(waitingImport(device, csrs)?.spkiSha256).toBe(spkiSha256);
    const issuance = await fixture.stores.issuances.get({ deviceName: device.name, operationId: device.operationId, spkiSha256 });
    expect(issuance).toMatchObject({ state: 'issued', certificate: { serialHex: report.certificates[0]?.serialHex } });
    expect(issuance?.chainPem).toHaveLength(1);
    expect(fixture.audit.of('certificate.import').filter((event) => event.deviceName === device.name)).toEqual([
      expect.objectContaining({ actor: 'system:import', result: 'ok', target: `signed/${device.name}.pem` }),
    ]);
  });

  it('imports DER, a PKCS#7 bundle with the intermediate, and several PEMs in one file', async () => {
    const der = await pendingDevice();
    expect((await uploadAndImport(`${der.device.name}.cer`, ca.sign(der.csrPem, { form: 'DER' }))).result).toBe('imported');

    const bundled = await pendingDevice();
    const leaf = chained.sign(bundled.csrPem).toString('utf8');
    expect((await uploadAndImport(`${bundled.device.name}.p7b`, chained.pkcs7([leaf, chained.intermediatePem!]))).result).toBe('imported');
    const issuance = await fixture.stores.issuances.get({ deviceName: bundled.device.name, operationId: bundled.device.operationId, spkiSha256: bundled.spkiSha256 });
    expect(issuance?.chainPem).toHaveLength(2); // intermediate, then the CAPF-trust root

    const pems = await pendingDevice();
    const both = `${chained.sign(pems.csrPem).toString('utf8')}${chained.intermediatePem!}`;
    expect((await uploadAndImport(`${pems.device.name}-chain.pem`, both)).result).toBe('imported');
  });

  const refusals: [string, (csrPem: string, deviceName: string) => Buffer | string, (() => Date) | undefined, string][] = [
    ['KEY_USAGE', (csr) => ca.sign(csr, { keyUsage: 'critical,digitalSignature' }), undefined, 'keyEncipherment'],
    ['EXPIRED', (csr) => ca.sign(csr, { days: 1 } satisfies SignOptions), () => new Date(Date.now() + 3 * 86_400_000), 'expired'],
    ['NOT_YET_VALID', (csr) => ca.sign(csr), () => new Date(Date.now() - 86_400_000), 'not valid before'],
    ['UNTRUSTED_CHAIN', (csr) => stranger.sign(csr), undefined, 'CAPF-trust'],
    ['UNTRUSTED_CHAIN', (csr) => chained.sign(csr), undefined, 'CAPF-trust'], // the intermediate is not in the upload
    ['SUBJECT_MISMATCH', (csr) => ca.sign(csr, { subject: '/CN=SEP00000000FFFF' }), undefined, 'not the device name'],
    ['UNREADABLE_CERTIFICATE', () => 'not a certificate', undefined, 'not a certificate'],
  ];

  for (const [code, make, now, says] of refusals) {
    it(`refuses ${code} (${says}) with a report and an audit event, and the CSR stays pending`, async () => {
      const { device, csrPem } = await pendingDevice();
      const name = `${device.name}-${code.toLowerCase()}.pem`;
      const report = await uploadAndImport(name, make(csrPem, device.name), now);
      expect(report.result).toBe('refused');
      expect(report.certificates[0]).toMatchObject({ result: 'refused', code });
      expect(report.certificates[0]?.reason).toContain(says);
      expect(fixture.audit.events.filter((event) => event.target === `signed/${name}`)).toEqual([expect.objectContaining({ result: 'refused', code })]);
      expect((await fixture.stores.csrs.listForDevice(device.name))[0]?.state).toBe('pending');
    });
  }

  it('refuses a certificate with no pending CSR, and a second certificate for a CSR already imported (DUPLICATE)', async () => {
    const orphan = await fixture.phoneCsr('SEP0000000000AA');
    const none = await uploadAndImport('orphan.pem', ca.sign(orphan.csrPem));
    expect(none.certificates[0]).toMatchObject({ result: 'refused', code: 'NO_MATCHING_CSR' });

    const { device, csrPem } = await pendingDevice();
    expect((await uploadAndImport(`${device.name}-1.pem`, ca.sign(csrPem))).result).toBe('imported');
    const again = await uploadAndImport(`${device.name}-2.pem`, ca.sign(csrPem));
    expect(again.certificates[0]).toMatchObject({ result: 'refused', code: 'DUPLICATE', deviceName: device.name });
    expect(fixture.audit.events.filter((event) => event.target === `signed/${device.name}-2.pem`)).toEqual([expect.objectContaining({ code: 'DUPLICATE' })]);
  });

  it('finishes once: a repeated event returns the written report, and a run that crashed before its report completes it', async () => {
    const { device, csrPem, spkiSha256 } = await pendingDevice();
    const key = `signed/${device.name}.pem`;
    await fixture.upload(key, ca.sign(csrPem));
    // The crashed run: the store writes and the audit event happened, the report was never written.
    await fixture.importer().importBytes(key, Buffer.from((await fixture.readText(key))!));
    expect(await fixture.readText(`${key}.result.json`)).toBeUndefined();
    const rerun = await fixture.importer().importObject(key);
    expect(rerun).toMatchObject({ result: 'imported', certificates: [{ result: 'imported' }] });
    const repeat = await fixture.importer().importObject(key);
    expect(repeat).toEqual(rerun);
    expect(fixture.audit.events.filter((event) => event.target === key)).toHaveLength(1);
    const issuance = await fixture.stores.issuances.get({ deviceName: device.name, operationId: device.operationId, spkiSha256 });
    expect(issuance?.state).toBe('issued');
    expect(await fixture.keys(`signed/${device.name}`)).toEqual([key, `${key}.result.json`]);
  });

  it('a crash between recording the import and its audit event: the re-run writes the event once, at the import time', async () => {
    const { device, csrPem } = await pendingDevice();
    const key = `signed/${device.name}-crash.pem`;
    await fixture.upload(key, ca.sign(csrPem));
    const importer = (audit: AuditLog, now: () => Date) =>
      new CertificateImporter({ csrs: fixture.stores.csrs, issuances: fixture.stores.issuances, audit, bucket: fixture.bucket, trustAnchors: () => Promise.resolve([pemToDer(ca.rootPem)]), now });
    const t0 = new Date(Date.now() + 1_000);
    // The process dies as it writes the event: the CSR is already marked imported.
    const crashing: AuditLog = { record: () => Promise.reject(new Error('process killed')) };
    await expect(importer(crashing, () => t0).importObject(key)).rejects.toThrow('process killed');
    expect((await fixture.stores.csrs.listForDevice(device.name))[0]?.state).toBe('imported');
    // The event is delivered again later (twice, with a lost report in between): one event in the store, at t0.
    const later = () => new Date(t0.getTime() + 60_000);
    expect(await importer(fixture.stores.audit, later).importObject(key)).toMatchObject({ result: 'imported' });
    await importer(fixture.stores.audit, later).importBytes(key, Buffer.from((await fixture.readText(key))!));
    const events = await fixture.stores.audit.list({ deviceName: device.name, since: new Date(t0.getTime() - 3_600_000).toISOString(), until: new Date(t0.getTime() + 3_600_000).toISOString(), limit: 50 });
    const imports = events.events.filter((event) => event.action === 'certificate.import');
    expect(imports).toEqual([expect.objectContaining({ at: t0.toISOString(), result: 'ok', target: key, deviceName: device.name })]);
  });

  it('a certificate for a CSR the phone replaced before it came is imported stale and never delivered (F20)', async () => {
    const { device, csrPem: firstCsr } = await pendingDevice();
    const newer = await fixture.phoneCsr(device.name);
    expect((await fixture.sign(device, newer)).status).toBe('pending');
    const report = await uploadAndImport(`${device.name}-old.pem`, ca.sign(firstCsr));
    expect(report.certificates[0]).toMatchObject({ result: 'imported', stale: true });
    const csrs = await fixture.stores.csrs.listForDevice(device.name);
    expect(waitingImport(device, csrs)).toBeUndefined();
    expect(staleImports(await fixture.stores.csrs.list()).map((csr) => csr.deviceName)).toContain(device.name);
  });
});
