// Issue 10 item 3 over real TLS on loopback: only the device's current installed LSC, within its validity, and a
// MIC that chains to CAPF-trust within its validity (or expired, with acceptExpiredMic) authenticate; every refusal is
// END_SESSION 7 with a status naming the reason. And an LSC never outlives the CA that signs it.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftwareSigner, derToPem, generateCapfCa, LscBuilder, pemToDer, toStoredCertificate } from '../../shared/pki/index.ts';
import type { DeviceSettings } from '../../shared/ports/index.ts';
import { AdminService } from '../../shared/admin/admin-service.ts';
import { deviceIssuances } from '../../shared/domain/certificate-states.ts';
import { makeManufacturingCa, type TestCa } from '../support/test-pki.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const DAY = 86_400_000;
let t: TestStack;
let mic: TestCa;

beforeAll(async () => {
  mic = await makeManufacturingCa('Test-Manufacturing-CA');
  t = await startTestStack({ trustPem: [mic.certificatePem], parametersCacheMs: 0 });
});
afterAll(() => t.close());

async function installLsc(name: string, settings: Partial<DeviceSettings> = {}) {
  await t.setDevice({ name, operation: 'install', ...settings });
  const result = await t.phone(name);
  expect(result.endReason).toBe(1);
  return { certificatePem: result.certificatePem as string, privateKeyPem: result.privateKeyPem as string };
}

/** A certificate for `name` from `builder`, valid from `start` for `days` days, with its key. */
async function certificateFrom(builder: LscBuilder, name: string, start: Date, days: number) {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = await builder.build({ deviceName: name, spkiDer: pair.publicKey.export({ type: 'spki', format: 'der' }), validityDays: days, now: start });
  return { certificatePem: derToPem(der), privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

const capfBuilder = () => new LscBuilder(t.stack.ca.certificateDer, createSoftwareSigner(createPrivateKey(t.stack.ca.privateKeyPem)));

/**
 * Records `lsc` as the device's installed LSC, as a session would: its issuance record as the sign service writes it
 * (issued), then the device's outcome naming it (issue 16: that makes it the installed one).
 */
async function recordAsInstalled(name: string, lsc: { certificatePem: string }) {
  const device = await t.setDevice({ name, operation: 'install' });
  const spkiSha256 = 'ab'.repeat(32);
  const certificate = toStoredCertificate(pemToDer(lsc.certificatePem));
  const record = { deviceName: name, operationId: device.operationId, spkiSha256, requestId: 'test', state: 'issued' as const, certificate, chainPem: [t.caPem], issuer: 'capf-software', createdAt: new Date().toISOString() };
  await t.stack.store.issuances.putOnce(record);
  await t.stack.store.devices.finishOperation(name, device.operationId, { status: 'success', lsc: certificate, lscIssuance: { operationId: device.operationId, spkiSha256 } });
}

async function refusedWith(name: string, auth: { certificatePem: string; privateKeyPem: string }, code: string) {
  const result = await t.phone(name, { auth: { mode: 'certificate', ...auth } });
  expect(result.endReason).toBe(7);
  const device = await t.stack.store.devices.get(name);
  expect(device?.statusReason).toContain(code);
  return device;
}

describe('only the current LSC authenticates (issue 10 item 3)', () => {
  it('a superseded LSC cannot authenticate a fetch; the current one can', async () => {
    const name = 'SEP00000010A301';
    const first = await installLsc(name);
    const second = await installLsc(name);
    await t.setDevice({ name, operation: 'fetch', authMode: 'lsc-precedence' });
    await refusedWith(name, first, 'LSC_SUPERSEDED');
    expect((await t.stack.store.devices.get(name))?.operation).toBe('fetch');
    const fetched = await t.phone(name, { auth: { mode: 'certificate', ...second }, lscPem: second.certificatePem });
    expect(fetched.endReason).toBe(0);
    expect(await t.stack.store.devices.get(name)).toMatchObject({ status: 'success', operation: 'none' });
  });

  it('an LSC the phone deleted cannot authenticate a new install', async () => {
    const name = 'SEP00000010A302';
    const lsc = await installLsc(name);
    await t.setDevice({ name, operation: 'delete' });
    expect((await t.phone(name, { lscPem: lsc.certificatePem })).endReason).toBe(1);
    await t.setDevice({ name, operation: 'install', authMode: 'lsc-precedence' });
    const device = await refusedWith(name, lsc, 'LSC_DELETED');
    expect(device?.statusReason).toMatch(/deleted from the phone/);
  });

  it('the current LSC past its notAfter is refused as expired', async () => {
    const name = 'SEP00000010A303';
    const expired = await certificateFrom(capfBuilder(), name, new Date(Date.now() - 10 * DAY), 1);
    await recordAsInstalled(name, expired);
    await t.setDevice({ name, operation: 'install', authMode: 'lsc-precedence' });
    await refusedWith(name, expired, 'LSC_EXPIRED');
  });

  it('the current LSC before its notBefore (beyond the clock skew) is refused as not yet valid', async () => {
    const name = 'SEP00000010A304';
    const early = await certificateFrom(capfBuilder(), name, new Date(Date.now() + 2 * DAY), 30);
    await recordAsInstalled(name, early);
    await t.setDevice({ name, operation: 'install', authMode: 'lsc-precedence' });
    await refusedWith(name, early, 'LSC_NOT_YET_VALID');
    // Within the skew it passes: a certificate that starts in one minute, with the default 5 minutes.
    const name2 = 'SEP00000010A314';
    const soon = await certificateFrom(capfBuilder(), name2, new Date(Date.now() + 60_000), 30);
    await recordAsInstalled(name2, soon);
    await t.setDevice({ name: name2, operation: 'install', authMode: 'lsc-precedence' });
    expect((await t.phone(name2, { auth: { mode: 'certificate', ...soon } })).endReason).toBe(1);
  });

  it('an LSC of our CA that the records do not know is refused as unknown', async () => {
    const name = 'SEP00000010A305';
    await installLsc(name);
    const stranger = await certificateFrom(capfBuilder(), name, new Date(Date.now() - DAY), 30);
    await t.setDevice({ name, operation: 'install', authMode: 'lsc-precedence' });
    await refusedWith(name, stranger, 'CERTIFICATE_UNKNOWN');
  });

  it('an LSC of our CA for a device with no records at all is refused as unknown, in both certificate modes', async () => {
    // Our CA is in CAPF-trust (it is the CAPF certificate): without the rule, this LSC would pass as a MIC.
    const name = 'SEP00000010A30A';
    const stranger = await certificateFrom(capfBuilder(), name, new Date(Date.now() - DAY), 30);
    for (const authMode of ['lsc-precedence', 'mic-precedence'] as const) {
      await t.setDevice({ name, operation: 'install', authMode });
      expect(await t.stack.store.issuances.listForDevice(name)).toEqual([]);
      await refusedWith(name, stranger, 'CERTIFICATE_UNKNOWN');
    }
    // A MIC of the same name still authenticates the device.
    const micCertificate = await certificateFrom(mic.builder, name, new Date(Date.now() - DAY), 365);
    expect((await t.phone(name, { auth: { mode: 'certificate', ...micCertificate } })).endReason).toBe(1);
  });

  it('re-arming abandons what the earlier operation issued and the phone never stored; such a certificate never authenticates', async () => {
    const name = 'SEP00000010A30B';
    const installed = await installLsc(name);
    // An LSC issued under the next operation whose session ended before the phone answered: its record says issued.
    const armed = await t.setDevice({ name, operation: 'install', authMode: 'lsc-precedence' });
    const sent = await certificateFrom(capfBuilder(), name, new Date(Date.now() - DAY), 30);
    const certificate = toStoredCertificate(pemToDer(sent.certificatePem));
    const key = { deviceName: name, operationId: armed.operationId, spkiSha256: 'cd'.repeat(32) };
    await t.stack.store.issuances.putOnce({ ...key, requestId: 'test', state: 'issued', certificate, chainPem: [t.caPem], issuer: 'capf-software', createdAt: new Date().toISOString() });
    await refusedWith(name, sent, 'CERTIFICATE_UNKNOWN');

    const admin = new AdminService({ stores: t.stack.store, authStringKey: async () => t.stack.authStringKey });
    await admin.armOperation({ actor: 'test' }, name, { operation: 'install' });
    // The device's current LSC is not abandoned: its record is the installed one, as the product reads it.
    const states = Object.fromEntries((await deviceIssuances(t.stack.store, name)).records.map((record) => [record.certificate?.serialHex, record.state]));
    expect(states[certificate.serialHex]).toBe('abandoned');
    expect(states[toStoredCertificate(pemToDer(installed.certificatePem)).serialHex]).toBe('installed');
    await refusedWith(name, sent, 'CERTIFICATE_UNKNOWN');
    expect((await t.phone(name, { auth: { mode: 'certificate', ...installed } })).endReason).toBe(1);
  });
});

describe('MIC validity (issue 10 item 3)', () => {
  it('a SUDI certificate is judged like a MIC: an expired one is refused although the MIC is valid', async () => {
    const name = 'SEP00000010A30C';
    const micCertificate = await certificateFrom(mic.builder, name, new Date(Date.now() - DAY), 365);
    const expiredSudi = await certificateFrom(mic.builder, name, new Date(Date.now() - 400 * DAY), 365);
    await t.setDevice({ name, operation: 'install', authMode: 'mic-precedence' });
    const refused = await t.phone(name, { auth: { mode: 'certificate', ...micCertificate, sudi: expiredSudi } });
    expect(refused.endReason).toBe(7);
    expect((await t.stack.store.devices.get(name))?.statusReason).toMatch(/MIC_EXPIRED: the SUDI certificate/);
    const validSudi = await certificateFrom(mic.builder, name, new Date(Date.now() - DAY), 365);
    expect((await t.phone(name, { auth: { mode: 'certificate', ...micCertificate, sudi: validSudi } })).endReason).toBe(1);
  });

  it('an expired MIC is refused, and accepted once acceptExpiredMic is on', async () => {
    const name = 'SEP00000010A306';
    const old = await certificateFrom(mic.builder, name, new Date(Date.now() - 400 * DAY), 365);
    await t.setDevice({ name, operation: 'install', authMode: 'mic-precedence' });
    const device = await refusedWith(name, old, 'MIC_EXPIRED');
    expect(device?.statusReason).toMatch(/acceptExpiredMic/);
    await t.stack.store.parameters.update({ acceptExpiredMic: true });
    try {
      expect((await t.phone(name, { auth: { mode: 'certificate', ...old } })).endReason).toBe(1);
    } finally {
      await t.stack.store.parameters.update({ acceptExpiredMic: false });
    }
  });
});

describe('an LSC never outlives its CA (issue 10 item 3)', () => {
  it("caps the LSC's notAfter at the CA's and says so in the device's status", async () => {
    const ca = await generateCapfCa({ commonName: 'CAPF-short', validityDays: 30 });
    const short = await startTestStack({ files: { 'capf-ca.pem': ca.certificatePem, 'capf-ca.key': ca.privateKeyPem } });
    try {
      await short.setDevice({ name: 'SEP00000010A307', operation: 'install' });
      const result = await short.phone('SEP00000010A307');
      expect(result.endReason).toBe(1);
      const lsc = toStoredCertificate(pemToDer(result.certificatePem as string));
      const caNotAfter = toStoredCertificate(pemToDer(ca.certificatePem)).notAfter;
      expect(lsc.notAfter).toBe(caNotAfter);
      const device = await short.stack.store.devices.get('SEP00000010A307');
      expect(device?.statusReason).toContain(`validity capped at the issuing CA's notAfter ${caNotAfter}`);
      expect(short.logger.entries.some((entry) => entry.message === 'lsc-validity-capped')).toBe(true);
    } finally {
      await short.close();
    }
  });
});
