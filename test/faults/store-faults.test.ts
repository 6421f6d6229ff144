// F15 with a store that throttles, times out or answers late at chosen calls, on the listener's and the signer's side:
// after each session the device is consistent, and either the session itself completed or the phone's retry does.
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Reason } from '../../shared/protocol/index.ts';
import { ScriptedPhone } from '../support/fault-phone.ts';
import type { StoreFault, StoreMethod } from '../support/fault-store.ts';
import { expectConsistent, startFaultStack, type FaultStack } from '../support/fault-stack.ts';

let t: FaultStack;
let deviceCount = 0;

beforeAll(async () => {
  t = await startFaultStack({ signMaxWaitMs: 1_000 });
});
afterAll(() => t.close());
afterEach(() => t.faults.clear());

const throttle: StoreFault = { kind: 'throttle' };
const timeoutApplied: StoreFault = { kind: 'timeout', afterMs: 50, applied: true };
const timeoutLost: StoreFault = { kind: 'timeout', afterMs: 50, applied: false };

async function armed() {
  const name = `SEP00000000${(0xa000 + deviceCount++).toString(16).toUpperCase()}`;
  return t.setDevice({ name });
}

/** One phone session under the faults, then the store judged once the listener has finished with it. */
async function session(name: string, phoneTimeoutMs = 10_000, lscPem?: string) {
  const result = await t.phone(name, { timeoutMs: phoneTimeoutMs, ...(lscPem ? { lscPem } : {}) });
  await expect.poll(() => t.listener.stats.active, { timeout: 5_000 }).toBe(0);
  return { result, ...(await expectConsistent(t.store, name)) };
}

/** The phone's retry, with the store healthy again: it completes, and one certificate is installed for the operation. */
async function retryCompletes(name: string, operationId: string) {
  t.faults.clear();
  const { result, device, issuances } = await session(name);
  expect(result.endReason).toBe(Reason.UpdateCertificate);
  expect(device).toMatchObject({ status: 'success', operation: 'none' });
  expect(issuances.filter((i) => i.operationId === operationId && i.state === 'installed')).toHaveLength(1);
}

const serial = (pem: string | undefined) => new X509Certificate(pem as string).serialNumber.toLowerCase().replace(/^0+/, '');

describe('the store fails before the operation begins', () => {
  it.each([
    ['devices.get', throttle],
    ['devices.get', timeoutLost],
  ] as Array<[StoreMethod, StoreFault]>)('%s (%o): END 7, the device untouched, and the retry completes', async (method, fault) => {
    const device = await armed();
    t.faults.inject(method, fault);
    const { result, device: after } = await session(device.name);
    expect(result.endReason).toBe(Reason.InvalidElement);
    expect(t.faults.faulted(method)).toBe(1);
    expect(after).toMatchObject({ status: 'pending', operation: 'install', version: device.version });
    await retryCompletes(device.name, device.operationId);
  });
});

// An install is marked in progress by the sign service's count (issue 16), so markInProgress is the begin of the
// operations without a certificate to sign: a delete here.
describe('devices.markInProgress (a delete) fails, times out after writing, or answers after the phone gave up', () => {
  /** A device whose phone holds an LSC (installed by a first session), armed to delete it. */
  async function armedDelete() {
    const device = await armed();
    const installed = await session(device.name);
    expect(installed.result.endReason).toBe(Reason.UpdateCertificate);
    return { device: await t.setDevice({ name: device.name, operation: 'delete' }), lscPem: installed.result.certificatePem as string };
  }

  async function retryDeletes(name: string, lscPem: string) {
    t.faults.clear();
    const { result, device } = await session(name, 10_000, lscPem);
    expect(result.endReason).toBe(Reason.UpdateCertificate);
    expect(device).toMatchObject({ status: 'success', operation: 'none', statusReason: 'LSC deleted' });
  }

  it.each([
    ['throttled', throttle],
    ['timed out before writing', timeoutLost],
    ['timed out after writing', timeoutApplied],
  ] as Array<[string, StoreFault]>)('%s: END 7, the failure recorded (never left in progress), and the retry completes', async (_label, fault) => {
    const { device, lscPem } = await armedDelete();
    t.faults.inject('devices.markInProgress', fault);
    const { result, device: after } = await session(device.name, 10_000, lscPem);
    expect(t.faults.faulted('devices.markInProgress')).toBe(1);
    expect(result.endReason).toBe(Reason.InvalidElement);
    expect(after).toMatchObject({ status: 'failed', operation: 'delete' });
    expect(after.statusReason).toMatch(/store/i);
    await retryDeletes(device.name, lscPem);
  });

  it('answered after the phone gave up and left: the late in-progress write is followed by the failure', async () => {
    const { device, lscPem } = await armedDelete();
    t.faults.inject('devices.markInProgress', { kind: 'slow', delayMs: 1_500 });
    const { result, device: after } = await session(device.name, 500, lscPem);
    expect(result.endReason).toBeUndefined();
    expect(after).toMatchObject({ status: 'failed', operation: 'delete' });
    expect(after.statusReason).toMatch(/closed the connection/);
    await retryDeletes(device.name, lscPem);
  });

  it('an install makes no markInProgress: the sign service marks it in progress, and the outcome is written over that', async () => {
    const device = await armed();
    const { result, device: after } = await session(device.name);
    expect(result.endReason).toBe(Reason.UpdateCertificate);
    expect(after).toMatchObject({ status: 'success', operation: 'none' });
    const made = (method: StoreMethod) => t.faults.calls.filter((call) => call.method === method).length;
    expect(made('devices.markInProgress')).toBe(0);
    expect(made('devices.claimKey')).toBe(1);
    expect(after.statusSessionId).toBe(result.sessionId);
  });
});

describe('the signer meets a throttled or timed-out store', () => {
  it('the parameters read throttled (before any claim): the repeated sign call completes the session', async () => {
    const device = await armed();
    t.faults.inject('parameters.get', throttle);
    const { result, issuances } = await session(device.name);
    expect(t.faults.faulted('parameters.get')).toBe(1);
    expect(result.endReason).toBe(Reason.UpdateCertificate);
    expect(issuances.map((i) => i.state)).toEqual(['installed']);
  });

  it('a claim throttled once: the listener asks again with the same request and the session completes', async () => {
    const device = await armed();
    t.faults.inject('devices.claimKey', throttle);
    const { result, device: after, issuances } = await session(device.name);
    expect(result.endReason).toBe(Reason.UpdateCertificate);
    expect(after.lsc?.serialHex).toBe(serial(result.certificatePem));
    expect(issuances).toHaveLength(1);
  });

  it('the certificate stored but the store call timed out: the repeat finds it, and the phone gets that same certificate', async () => {
    const device = await armed();
    t.faults.inject('issuances.complete', timeoutApplied);
    const { result, device: after, issuances } = await session(device.name);
    expect(result.endReason).toBe(Reason.UpdateCertificate);
    expect(issuances).toHaveLength(1);
    expect(issuances[0]).toMatchObject({ state: 'installed' });
    expect(issuances[0]?.certificate?.serialHex).toBe(serial(result.certificatePem));
    expect(after.lsc?.serialHex).toBe(serial(result.certificatePem));
  });

  it('the certificate signed but its store write lost: the key stays claimed on the device, END 7 (nothing delivered), and the retry completes', async () => {
    const device = await armed();
    t.faults.inject('issuances.complete', timeoutLost);
    const { result, device: after, issuances } = await session(device.name);
    // The repeated sign call cannot take over a live claim (two signers must never both sign one key): it waits, then
    // gives up; what the issuer signed was never stored, so it never reaches the phone.
    expect(result.endReason).toBe(Reason.InvalidElement);
    expect(result.certificatePem).toBeUndefined();
    expect(after).toMatchObject({ status: 'failed', operation: 'install', certificatesIssued: 1 });
    expect(issuances).toEqual([]);
    await retryCompletes(device.name, device.operationId);
  });

  it('the phone leaves while the key claim is out: the session writes its failure after the claim returned, so the device is never left in progress', async () => {
    const device = await armed();
    const signed = t.signer.outcomes.length;
    t.faults.inject('devices.claimKey', { kind: 'slow', delayMs: 1_500 });
    const { result } = await session(device.name, 500);
    expect(result.endReason).toBeUndefined();
    await expect.poll(() => t.signer.outcomes.length, { timeout: 10_000 }).toBe(signed + 1);
    const { device: after, issuances } = await expectConsistent(t.store, device.name);
    expect(after).toMatchObject({ status: 'failed', operation: 'install' });
    expect(after.statusReason).toMatch(/closed the connection/);
    expect(issuances.map((i) => i.state)).toEqual(['issued']);
    await retryCompletes(device.name, device.operationId);
  });

  it('the claim throttled on every attempt: END 7 with the failure recorded, and the retry completes', async () => {
    const device = await armed();
    t.faults.inject('devices.claimKey', throttle, 10);
    const { result, device: after } = await session(device.name);
    expect(result.endReason).toBe(Reason.InvalidElement);
    expect(after).toMatchObject({ status: 'failed', operation: 'install' });
    expect(after.statusReason).toMatch(/did not sign/);
    await retryCompletes(device.name, device.operationId);
  });
});

describe('recording the outcome meets a throttled or timed-out store', () => {
  it.each([
    ['devices.finishOperation throttled once', 'devices.finishOperation', throttle],
    ['devices.finishOperation timed out after writing', 'devices.finishOperation', timeoutApplied],
    ['devices.finishOperation timed out before writing', 'devices.finishOperation', timeoutLost],
  ] as Array<[string, StoreMethod, StoreFault]>)('%s: the outcome is written once and the phone hears END 1', async (_label, method, fault) => {
    const device = await armed();
    t.faults.inject(method, fault);
    const { result, device: after, issuances } = await session(device.name);
    expect(t.faults.faulted(method)).toBe(1);
    expect(result.endReason).toBe(Reason.UpdateCertificate);
    expect(after).toMatchObject({ status: 'success', operation: 'none' });
    expect(after.lsc?.serialHex).toBe(serial(result.certificatePem));
    expect(issuances.map((i) => i.state)).toEqual(['installed']);
    // Issue 16: the install writes nothing on its record; the device names it, which makes it the installed LSC.
    expect(t.faults.calls.filter((call) => call.method === 'issuances.setState')).toEqual([]);
    expect(after.lscIssuance).toEqual({ operationId: device.operationId, spkiSha256: issuances[0]?.spkiSha256 });
  });

  it('devices.finishOperation throttled on every attempt after the phone stored its LSC: the record itself says installed', async () => {
    const device = await armed();
    t.faults.inject('devices.finishOperation', throttle, 10);
    const result = await t.phone(device.name);
    await expect.poll(() => t.listener.stats.active, { timeout: 5_000 }).toBe(0);
    expect(t.faults.faulted('devices.finishOperation')).toBe(3);
    expect(result.certificatePem).toBeDefined();
    // The device never took the outcome, so it cannot name the record: the phone's answer is written on the record
    // (issue 16: only on this failure path; a successful install writes nothing on it).
    const after = await t.store.devices.get(device.name);
    expect(after?.lscIssuance).toBeUndefined();
    const records = await t.store.issuances.listForDevice(device.name);
    expect(records.map((i) => [i.certificate?.serialHex, i.state])).toEqual([[serial(result.certificatePem), 'installed']]);
  });

  it.each([
    ['timed out after writing', timeoutApplied],
    ['timed out before writing', timeoutLost],
    ['throttled', throttle],
  ] as Array<[string, StoreFault]>)('a renewal whose supersede of the replaced LSC %s: the outcome is written once, the old LSC superseded, END 1', async (_label, fault) => {
    const device = await armed();
    const first = await session(device.name);
    expect(first.result.endReason).toBe(Reason.UpdateCertificate);
    await t.setDevice({ name: device.name, operation: 'install' });
    t.faults.inject('issuances.setState', fault);
    const { result, device: after, issuances } = await session(device.name);
    expect(t.faults.faulted('issuances.setState')).toBe(1);
    expect(result.endReason).toBe(Reason.UpdateCertificate);
    expect(after).toMatchObject({ status: 'success', operation: 'none' });
    expect(after.lsc?.serialHex).toBe(serial(result.certificatePem));
    const bySerial = Object.fromEntries(issuances.map((i) => [i.certificate?.serialHex, i.state]));
    expect(bySerial).toEqual({ [serial(first.result.certificatePem)]: 'superseded', [serial(result.certificatePem)]: 'installed' });
  });
});

describe('the operation changes under a running session', () => {
  it("armed again by an administrator while the phone generates its key: the old session's failure is not written over it", async () => {
    const device = await armed();
    const phone = await ScriptedPhone.connect(t, device.name);
    await phone.authenticate();
    const rearmed = await t.setDevice({ name: device.name });
    const from = t.logger.entries.length;
    phone.drop();
    await expect.poll(() => t.listener.stats.active, { timeout: 5_000 }).toBe(0);
    const { device: after } = await expectConsistent(t.store, device.name);
    expect(after).toMatchObject({ operationId: rearmed.operationId, status: 'pending', operation: 'install', version: rearmed.version });
    // One line for the session (the phone left), and no store error for the refused write.
    expect(t.logger.entries.slice(from).filter((e) => e.level === 'warn' || e.level === 'error').map((e) => e.attributes.code)).toEqual(['PEER_CLOSED']);
    await retryCompletes(device.name, rearmed.operationId);
  });
});
