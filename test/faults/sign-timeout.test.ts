// The sign function times out after its issuer signed (the certificate is already in the issuance record): the
// listener asks again with the same request, gets that same certificate, and never has a second one made for the key.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reason } from '../../shared/protocol/index.ts';
import type { SignFault } from '../support/fault-sign.ts';
import { expectConsistent, startFaultStack, type FaultStack } from '../support/fault-stack.ts';

let t: FaultStack;
let deviceCount = 0;

beforeAll(async () => {
  t = await startFaultStack();
});
afterAll(() => t.close());

const serial = (pem: string | undefined) => new X509Certificate(pem as string).serialNumber.toLowerCase().replace(/^0+/, '');

async function run(name: string) {
  const result = await t.phone(name);
  await expect.poll(() => t.listener.stats.active, { timeout: 5_000 }).toBe(0);
  return { result, ...(await expectConsistent(t.store, name)) };
}

describe.each(['function-timeout', 'invoke-timeout'] as SignFault[])('sign call: %s after signing', (fault) => {
  it('once: the repeat with the same request id answers the stored certificate and the session completes', async () => {
    const device = await t.setDevice({ name: `SEP00000000${(0xb000 + deviceCount++).toString(16).toUpperCase()}` });
    const before = t.signer.requests.length;
    t.signer.failAfterSigning(fault);
    const { result, device: after, issuances } = await run(device.name);

    expect(result.endReason).toBe(Reason.UpdateCertificate);
    const requests = t.signer.requests.slice(before);
    expect(requests).toHaveLength(2);
    expect(requests[1]).toEqual(requests[0]);
    expect(t.signer.outcomes.slice(before)).toEqual([fault, 'issued']);
    expect(issuances).toHaveLength(1);
    expect(issuances[0]).toMatchObject({ state: 'installed', operationId: device.operationId });
    expect(issuances[0]?.certificate?.serialHex).toBe(serial(result.certificatePem));
    expect(after.lsc?.serialHex).toBe(serial(result.certificatePem));
  });

  it('on every attempt: END 7, the failure recorded, the certificate kept as issued-not-installed, and the retry completes', async () => {
    const device = await t.setDevice({ name: `SEP00000000${(0xb000 + deviceCount++).toString(16).toUpperCase()}` });
    t.signer.failAfterSigning(fault, 10);
    const failed = await run(device.name);
    t.signer.clear();

    expect(failed.result.endReason).toBe(Reason.InvalidElement);
    expect(failed.result.certificatePem).toBeUndefined();
    expect(failed.device).toMatchObject({ status: 'failed', operation: 'install' });
    expect(failed.device.statusReason).toMatch(/sign function capf-sign/);
    expect(failed.device.lsc).toBeUndefined();
    // Signed once for that key however often it was asked: one record, issued but never delivered (a stale LSC, F20).
    expect(failed.issuances.map((i) => i.state)).toEqual(['issued']);

    const retried = await run(device.name);
    expect(retried.result.endReason).toBe(Reason.UpdateCertificate);
    expect(retried.device).toMatchObject({ status: 'success', operation: 'none' });
    expect(retried.issuances.map((i) => i.state).sort()).toEqual(['installed', 'issued']);
    expect(retried.device.lsc?.serialHex).toBe(serial(retried.result.certificatePem));
  });
});
