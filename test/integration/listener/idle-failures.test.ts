// A failure the server knows the reason of is on the device's status even when the device has no operation pending
// (issue 11 item 6): AUTH_STRING_NOT_SET for a phone that answers with a string its device does not have, a session id
// mismatch; the operation stays 'none', and a session that simply finds nothing to do changes nothing.
import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapfCaIssuer } from '../../../shared/issuers/capf-ca/index.ts';
import { createSoftwareSigner, generateCapfCa } from '../../../shared/pki/index.ts';
import { startBackendListener, type BackendListener } from '../../support/backend-listener.ts';
import { motoClients, uniqueName } from '../issuers/moto-aws.ts';

let listener: BackendListener;

beforeAll(async () => {
  const ca = await generateCapfCa({ commonName: 'CAPF-idle' });
  const issuer = new CapfCaIssuer({ certificateDer: ca.certificateDer, signer: createSoftwareSigner(createPrivateKey(ca.privateKeyPem)) });
  listener = await startBackendListener({ dynamo: motoClients().dynamo, tableName: uniqueName('capf-idle'), issuer });
});
afterAll(() => listener.close());

const idle = (name: string, authMode: 'auth-string' | 'null-string') =>
  listener.store.devices.put({ name, operation: 'none', authMode, keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256' });

describe('failures of devices with no operation pending', () => {
  it('records AUTH_STRING_NOT_SET on the status and leaves the operation none', async () => {
    const before = await idle('SEP00DD00000001', 'auth-string');
    expect((await listener.phone(before.name, { auth: { mode: 'password', password: '1234' } })).endReason).toBe(7);
    const after = await listener.store.devices.get(before.name);
    expect(after).toMatchObject({ operation: 'none', status: 'failed', statusReason: expect.stringMatching(/\(AUTH_STRING_NOT_SET\)$/), version: before.version + 1 });
    expect(JSON.stringify(after)).not.toContain('1234');
  });

  it('records a session id mismatch on the status of a device with nothing pending', async () => {
    const before = await idle('SEP00DD00000002', 'null-string');
    expect((await listener.phone(before.name, { misbehave: { wrongSessionId: true } })).endReason).toBe(7);
    expect(await listener.store.devices.get(before.name)).toMatchObject({ operation: 'none', status: 'failed', statusReason: expect.stringMatching(/\(SESSION_ID_MISMATCH\)$/) });
  });

  it('writes nothing for a phone that authenticates and finds no operation', async () => {
    const before = await idle('SEP00DD00000003', 'null-string');
    expect((await listener.phone(before.name)).endReason).toBe(0);
    expect(await listener.store.devices.get(before.name)).toEqual(before);
  });
});
