// Issue 10 item 2 over real TLS on loopback: one operation yields at most maxCertificatesPerOperation certificates,
// every certificate keeps its record, and its state follows what the phone did (installed, abandoned, superseded,
// deleted).
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/test-stack.ts';
import { deviceIssuances } from '../../shared/domain/certificate-states.ts';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t.close());

const serialOf = (pem: string | undefined) => new X509Certificate(pem as string).serialNumber.toLowerCase().replace(/^0+/, '');

/** The device's records as the product reads them (deviceIssuances: the record the device names is its installed LSC). */
async function states(name: string) {
  return (await deviceIssuances(t.stack.store, name)).records.map((record) => ({ serial: record.certificate?.serialHex, state: record.state, operationId: record.operationId }));
}

describe('certificates per operation (issue 10 item 2)', () => {
  it('a phone that keeps refusing to store gets 3 certificates, all abandoned; the 4th is refused and the operation needs re-arming', async () => {
    const name = 'SEP00000010C4A1';
    const armed = await t.setDevice({ name, operation: 'install' });
    for (let i = 0; i < 3; i++) {
      const refused = await t.phone(name, { misbehave: { failStore: true } });
      expect(refused.endReason).toBe(7);
    }
    const fourth = await t.phone(name, { misbehave: { failStore: true } });
    expect(fourth.endReason).toBe(7);
    expect(fourth.transcript.some((entry) => entry.name === 'STORE_CERTIFICATE_REQUEST')).toBe(false);
    const records = await states(name);
    expect(records).toHaveLength(3);
    expect(records.every((record) => record.state === 'abandoned' && record.operationId === armed.operationId)).toBe(true);
    expect(new Set(records.map((record) => record.serial)).size).toBe(3);
    const device = await t.stack.store.devices.get(name);
    expect(device).toMatchObject({ operation: 'none', status: 'failed', certificatesIssued: 3 });
    expect(device?.statusReason).toMatch(/^CERTIFICATE_LIMIT: .*maxCertificatesPerOperation 3.*re-arm/);
    // A session now has nothing to do; re-arming starts a new count and the phone gets its LSC.
    expect((await t.phone(name)).endReason).toBe(0);
    await t.setDevice({ name, operation: 'install' });
    const installed = await t.phone(name);
    expect(installed.endReason).toBe(1);
    expect(await t.stack.store.devices.get(name)).toMatchObject({ status: 'success', certificatesIssued: 1, lsc: { serialHex: serialOf(installed.certificatePem) } });
  });

  it('the limit is a parameter: with 1, the second certificate of the same operation is refused', async () => {
    const name = 'SEP00000010C4A2';
    await t.stack.store.parameters.update({ maxCertificatesPerOperation: 1 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 5_100)); // the listener's and signer's parameter cache
      await t.setDevice({ name, operation: 'install' });
      expect((await t.phone(name, { misbehave: { failStore: true } })).endReason).toBe(7);
      expect((await t.phone(name)).endReason).toBe(7);
      expect((await t.stack.store.devices.get(name))?.statusReason).toMatch(/CERTIFICATE_LIMIT/);
    } finally {
      await t.stack.store.parameters.update({ maxCertificatesPerOperation: 3 });
    }
  });

  it('a newer LSC supersedes the installed one, and a delete marks the LSC deleted', async () => {
    const name = 'SEP00000010C4A3';
    await t.setDevice({ name, operation: 'install' });
    const first = await t.phone(name);
    await t.setDevice({ name, operation: 'install' });
    const second = await t.phone(name);
    expect([first.endReason, second.endReason]).toEqual([1, 1]);
    expect(await states(name)).toEqual([
      expect.objectContaining({ serial: serialOf(first.certificatePem), state: 'superseded' }),
      expect.objectContaining({ serial: serialOf(second.certificatePem), state: 'installed' }),
    ]);
    await t.setDevice({ name, operation: 'delete' });
    expect((await t.phone(name, { lscPem: second.certificatePem })).endReason).toBe(1);
    expect((await states(name)).map((record) => record.state)).toEqual(['superseded', 'deleted']);
  });
});
