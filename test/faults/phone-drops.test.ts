// F15: a phone that drops at each step of each flow, and retries three more times 30 s apart (fake clock). After every
// attempt the device is consistent (never "in progress" once the session is over, a failure keeps the operation with
// a reason, no certificate recorded twice or before the phone confirmed it), and a retry completes the operation.
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PhoneStep } from '../../cli/phone/types.ts';
import { Opcode, Reason, readFields } from '../../shared/protocol/index.ts';
import type { CertificateOperation } from '../../shared/model.ts';
import { ScriptedPhone, withPhoneRetries, type Attempt } from '../support/fault-phone.ts';
import { expectConsistent, startFaultStack, type FaultStack } from '../support/fault-stack.ts';

let t: FaultStack;

beforeAll(async () => {
  t = await startFaultStack();
});
afterAll(() => t.close());
beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const serial = (pem: string) => new X509Certificate(pem).serialNumber.toLowerCase().replace(/^0+/, '');

/** A phone that goes as far as `upTo` and then drops; returns the END reason if the server ended first. */
function scripted(name: string, upTo: 'operation-request' | 'half-key-response' | 'after-confirm', held: { certificatePem?: string }): Attempt {
  return async () => {
    const phone = await ScriptedPhone.connect(t, name);
    try {
      let message = await phone.authenticate();
      if (!message) return undefined;
      if (message.opcode === Opcode.EndSession) return readFields(message.elements).reason;
      if (upTo === 'operation-request') return undefined;
      if (message.opcode === Opcode.DeleteCertificateRequest) {
        await phone.confirmDelete(message);
        held.certificatePem = undefined;
        return undefined;
      }
      if (upTo === 'half-key-response') {
        const frame = await phone.keyResponse(message);
        await phone.sendRaw(frame.subarray(0, frame.length >> 1));
        return undefined;
      }
      message = await phone.answerKey(message);
      if (!message || message.opcode === Opcode.EndSession) return undefined;
      await phone.confirmStore(message);
      held.certificatePem = phone.certificatePem;
      return undefined;
    } finally {
      phone.drop();
    }
  };
}

/** The simulator, dropping at `step` (or behaving when no step is given). */
function simulated(name: string, step: PhoneStep | undefined, held: { certificatePem?: string }): Attempt {
  return async () => {
    const result = await t.phone(name, { ...(held.certificatePem ? { lscPem: held.certificatePem } : {}), ...(step ? { misbehave: { dropAfter: step } } : {}) });
    if (result.endReason === Reason.UpdateCertificate && result.certificatePem) held.certificatePem = result.certificatePem;
    if (result.endReason === Reason.UpdateCertificate && result.operation === 'delete') held.certificatePem = undefined;
    return result.endReason;
  };
}

type Fault = { step: PhoneStep } | { script: 'operation-request' | 'half-key-response' | 'after-confirm' };

const CASES: Array<{ operation: CertificateOperation; at: string; fault: Fault }> = [
  { operation: 'install', at: 'connect', fault: { step: 'connect' } },
  { operation: 'install', at: 'AUTH_REQUEST', fault: { step: 'auth-request' } },
  { operation: 'install', at: 'KEY_GENERATE_REQUEST', fault: { step: 'keygen-request' } },
  { operation: 'install', at: 'half of KEY_GENERATE_RESPONSE', fault: { script: 'half-key-response' } },
  { operation: 'install', at: 'STORE_CERTIFICATE_REQUEST', fault: { step: 'store-request' } },
  { operation: 'install', at: 'STORE_CERTIFICATE_RESPONSE (before END_SESSION)', fault: { script: 'after-confirm' } },
  { operation: 'fetch', at: 'connect', fault: { step: 'connect' } },
  { operation: 'fetch', at: 'AUTH_REQUEST', fault: { step: 'auth-request' } },
  { operation: 'fetch', at: 'FETCH_CERTIFICATE_REQUEST', fault: { script: 'operation-request' } },
  { operation: 'delete', at: 'connect', fault: { step: 'connect' } },
  { operation: 'delete', at: 'AUTH_REQUEST', fault: { step: 'auth-request' } },
  { operation: 'delete', at: 'DELETE_CERTIFICATE_REQUEST', fault: { script: 'operation-request' } },
  { operation: 'delete', at: 'DELETE_CERTIFICATE_RESPONSE (before END_SESSION)', fault: { script: 'after-confirm' } },
];

describe('F15: a phone drops, retries 3 times 30 s apart, and the operation completes', () => {
  it.each(CASES.map((c, i) => ({ ...c, name: `SEP0000000F${i.toString(16).toUpperCase().padStart(4, '0')}` })))(
    '$operation, dropping at $at',
    async ({ operation, fault, name }) => {
      const held: { certificatePem?: string } = {};
      if (operation !== 'install') {
        await t.setDevice({ name, operation: 'install' });
        held.certificatePem = (await t.phone(name)).certificatePem;
        expect(held.certificatePem).toBeDefined();
      }
      // A phone that drops after receiving each certificate gets one per attempt: its three retries need a fourth,
      // past the default limit of 3 per operation (issue 10), so this case raises the limit.
      const sentEachTime = 'step' in fault && fault.step === 'store-request';
      await t.store.parameters.update({ maxCertificatesPerOperation: sentEachTime ? 4 : 3 });
      const armed = await t.setDevice({ name, operation });
      const faulty = 'step' in fault ? simulated(name, fault.step, held) : scripted(name, fault.script, held);
      const statusTimes: number[] = [];
      const ends = await withPhoneRetries(
        [faulty, faulty, faulty, simulated(name, undefined, held)],
        async (ms) => {
          await vi.advanceTimersByTimeAsync(ms);
        },
        async () => {
          await expect.poll(() => t.listener.stats.active).toBe(0);
          const { device } = await expectConsistent(t.store, name);
          statusTimes.push(Date.parse(device.statusAt));
          if (device.status !== 'success') expect(device).toMatchObject({ operation, operationId: armed.operationId });
        },
      );

      // The phone retried until a session ended properly: three drops then a clean run, or a drop that the server had
      // already recorded as done (the retry then hears "nothing to do").
      const confirmedBeforeDrop = 'script' in fault && fault.script === 'after-confirm';
      expect(ends).toEqual(confirmedBeforeDrop ? [undefined, Reason.NoAction] : [undefined, undefined, undefined, operation === 'fetch' ? Reason.NoAction : Reason.UpdateCertificate]);
      const { device, issuances } = await expectConsistent(t.store, name);
      expect(device).toMatchObject({ operation: 'none', status: 'success', operationId: armed.operationId });
      // Each recorded status carries the time of its attempt on the fake clock: 30 s apart, or later.
      for (let i = 1; i < statusTimes.length; i++) expect((statusTimes[i] as number) - (statusTimes[i - 1] as number)).toSatisfy((gap: number) => gap === 0 || gap >= 30_000);

      const thisOperation = issuances.filter((i) => i.operationId === armed.operationId);
      if (operation === 'install') {
        expect(device.lsc?.serialHex).toBe(serial(held.certificatePem as string));
        expect(thisOperation.filter((i) => i.state === 'installed')).toHaveLength(1);
        // A certificate sent in STORE_CERTIFICATE_REQUEST that the phone never confirmed is abandoned, not installed.
        const sentThenDropped = 'step' in fault && fault.step === 'store-request' ? 3 : 0;
        expect(thisOperation.filter((i) => i.state === 'abandoned')).toHaveLength(sentThenDropped);
        expect(thisOperation).toHaveLength(sentThenDropped + 1);
      } else {
        expect(thisOperation).toEqual([]);
        if (operation === 'delete') expect(device.lsc).toBeUndefined();
        if (operation === 'fetch') expect(device.fetched?.certificate.serialHex).toBe(device.lsc?.serialHex);
      }
    },
  );
});
