// The session engine with the offline CA (docs/offline-ca.md): a CSR the CA keeps ends the session with the device
// pending (operation still armed); at the next session an imported certificate waiting for the phone's kept key is
// sent in STORE_CERTIFICATE_REQUEST without a key request, and recorded installed under the pending CSR's key hash.
import { describe, expect, it } from 'vitest';
import { buildCsr, generatePhoneKey } from '../../../cli/phone/phone-keys.ts';
import { pemToDer, toStoredCertificate } from '../../../shared/pki/index.ts';
import { CapfSession, Opcode, Reason, decodeMessage, element, encodeMessage, readFields, type DeviceContext, type SessionAction, type SessionInput } from '../../../shared/protocol/index.ts';
import { makeDevice } from '../../support/devices.ts';
import { issueDeviceCertificate, makeManufacturingCa } from '../../support/test-pki.ts';

const SESSION_ID = 11;
const DEVICE = 'SEP001122334455';
const csrContext: DeviceContext = { trustAnchorsDer: [], requireNameMatch: false, keyDelivery: 'csr', issuerName: 'offline' };

function phoneMessage(opcode: number, elements: Parameters<typeof encodeMessage>[2] = []): SessionInput {
  return { type: 'message', message: decodeMessage(encodeMessage(opcode, SESSION_ID, elements)) };
}

const sent = (actions: SessionAction[]) => actions.filter((action) => action.type === 'send').map((action) => (action as { opcode: number }).opcode);

function begun(context: DeviceContext) {
  const session = new CapfSession(SESSION_ID);
  session.handle({ type: 'start' });
  session.handle(phoneMessage(Opcode.AuthResponse, [element.version(3), element.deviceName(DEVICE)]));
  session.handle({ type: 'device', device: makeDevice({ name: DEVICE, keyOrder: 'rsa', rsaKeySize: 2048 }), context });
  return { session, actions: session.handle({ type: 'operation-begun' }) };
}

describe('session with the offline CA', () => {
  it('a CSR the CA keeps ends the session with a pending outcome and END_SESSION 0', async () => {
    const { session, actions } = begun(csrContext);
    expect(sent(actions)).toEqual([Opcode.SignCertificateRequest]);
    const key = await generatePhoneKey({ keyType: 'rsa', bits: 2048 });
    const signing = session.handle(phoneMessage(Opcode.SignCertificateResponse, [element.reason(1), element.csr(await buildCsr(key, DEVICE))]));
    expect(signing.map((action) => action.type)).toContain('sign');
    const reason = "the CA has not issued the certificate yet (waiting for the offline CA: the CSR is csr/x.csr); the phone's next session will receive it";
    const recording = session.handle({ type: 'sign-failed', code: 'PENDING', reason });
    const record = recording.find((action) => action.type === 'record');
    expect(record).toMatchObject({ type: 'record', deviceName: DEVICE, outcome: { status: 'pending', reason } });
    expect(record).not.toHaveProperty('issuance');
    const end = session.handle({ type: 'recorded' });
    const bytes = end.find((action) => action.type === 'send') as { bytes: Buffer };
    const endSession = decodeMessage(bytes.bytes);
    expect(endSession.opcode).toBe(Opcode.EndSession);
    expect(readFields(endSession.elements).reason).toBe(Reason.NoAction);
  });

  it('delivers a waiting imported certificate without a key request and records it installed under the CSR key hash', async () => {
    const ca = await makeManufacturingCa('Offline-Test-CA');
    const lsc = await issueDeviceCertificate(ca, DEVICE);
    const certificateDer = pemToDer(lsc.certificatePem);
    const waitingCertificate = { certificate: toStoredCertificate(certificateDer), certificateDer, spkiSha256: 'ab'.repeat(32) };
    const { session, actions } = begun({ ...csrContext, waitingCertificate });
    expect(sent(actions)).toEqual([Opcode.StoreCertificateRequest]);
    const store = decodeMessage((actions.find((action) => action.type === 'send') as { bytes: Buffer }).bytes);
    expect(Buffer.from(readFields(store.elements).certificate?.der ?? []).equals(Buffer.from(certificateDer))).toBe(true);
    const done = session.handle(phoneMessage(Opcode.StoreCertificateResponse, [element.reason(Reason.UpdateCertificate)]));
    expect(done.find((action) => action.type === 'record')).toMatchObject({
      outcome: { status: 'success', lsc: { serialHex: waitingCertificate.certificate.serialHex } },
      issuance: { spkiSha256: 'ab'.repeat(32), state: 'installed' },
    });
  });
});
