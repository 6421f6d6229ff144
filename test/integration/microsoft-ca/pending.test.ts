import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCertsrvEmulator, type CertsrvEmulator } from '../../../cli/certsrv-emulator/index.ts';
import { expectIssuedByEmulator, expectRefused, issueRequest, issuerFor, phoneCsr, type PhoneCsr } from './helpers.ts';

let emulator: CertsrvEmulator;
let csr: PhoneCsr;

beforeAll(async () => {
  [emulator, csr] = await Promise.all([
    startCertsrvEmulator({ templates: [{ name: 'ApprovedLSC', outcome: 'pending' }, { name: 'CiscoPhoneLSC' }] }),
    phoneCsr(),
  ]);
});
afterAll(async () => emulator.close());

async function submitPending(): Promise<{ handle: string; reqId: number }> {
  const result = await issuerFor(emulator, { template: 'ApprovedLSC' }).issue(issueRequest(csr));
  if (result.kind !== 'pending') throw new Error(`expected pending, got ${JSON.stringify(result)}`);
  const reqId = emulator.caRequests.at(-1)!.reqId;
  expect(result.message).toContain(`request ${reqId}`);
  expect(result.message).toMatch(/Pending Requests/);
  return { handle: result.handle, reqId };
}

describe('MicrosoftCaIssuer: requests that wait for a CA certificate manager', () => {
  it('pending, still pending on the next poll, then issued once the manager approves it', async () => {
    const { handle, reqId } = await submitPending();
    expect(emulator.caRequests.at(-1)).toMatchObject({ status: 'pending', template: 'ApprovedLSC' });
    const issuer = issuerFor(emulator, { template: 'ApprovedLSC' });
    const again = await issuer.fetchPending(handle);
    expect(again).toMatchObject({ kind: 'pending', handle });

    await emulator.issuePending(reqId);
    expectIssuedByEmulator(await issuer.fetchPending(handle), emulator, csr);
    const poll = emulator.requests.filter((r) => r.path === '/certsrv/certnew.cer' && r.query.ReqID === String(reqId));
    expect(poll.length).toBeGreaterThanOrEqual(3);
  });

  it('pending, then denied by the manager: DENIED_BY_ADMIN with the CA disposition', async () => {
    const { handle, reqId } = await submitPending();
    emulator.denyPending(reqId, 'CORP\\pki-officer');
    const reason = expectRefused(await issuerFor(emulator).fetchPending(handle), 'DENIED_BY_ADMIN');
    expect(reason).toContain(`request ${reqId}`);
    expect(reason).toContain('CERTSRV_E_ADMIN_DENIED_REQUEST');
    expect(reason).toContain('Denied by CORP\\pki-officer');
  });

  it('a handle for a request the CA does not know is NOT_FOUND; a foreign handle is BAD_HANDLE', async () => {
    const { handle } = await submitPending();
    const unknown = handle.replace(/^msca:v1:\d+:/, 'msca:v1:999999:');
    expect(expectRefused(await issuerFor(emulator).fetchPending(unknown), 'NOT_FOUND')).toContain('CERTSRV_E_PROPERTY_EMPTY');
    expectRefused(await issuerFor(emulator).fetchPending('offline:whatever'), 'BAD_HANDLE');
  });

  it('a certificate issued for another key under that request id is PUBLIC_KEY_MISMATCH', async () => {
    const { handle, reqId } = await submitPending();
    await emulator.issuePending(reqId);
    const otherKey = handle.replace(/[0-9a-f]{64}$/, '0'.repeat(64));
    expect(expectRefused(await issuerFor(emulator).fetchPending(otherKey), 'PUBLIC_KEY_MISMATCH')).toContain(`request ${reqId}`);
  });

  it('finds the request id of a pending submission and polls certnew.cer for exactly that id', async () => {
    const { reqId } = await submitPending();
    const submission = emulator.requests.filter((r) => r.path === '/certsrv/certfnsh.asp').at(-1)!;
    expect(submission.status).toBe(200);
    // The client polled certnew.cer for exactly the id in the cookie.
    const polled = emulator.requests.filter((r) => r.path === '/certsrv/certnew.cer').at(-1)!;
    expect(polled.query).toMatchObject({ ReqID: String(reqId), Enc: 'b64' });
  });
});
