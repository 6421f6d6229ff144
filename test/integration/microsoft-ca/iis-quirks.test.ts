// Issue 10 item 8: the online Microsoft CA client against what real IIS and AD CS sites do and the first emulator did
// not: one WWW-Authenticate header per provider with Basic among them, request ids past 999,999,999, a proxy that
// strips Set-Cookie from a pending answer, and HTTP 500 from a recycling application pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCertsrvEmulator, type CertsrvEmulator } from '../../../cli/certsrv-emulator/index.ts';
import { expectIssuedByEmulator, expectRefused, issueRequest, issuerFor, phoneCsr, type PhoneCsr } from './helpers.ts';

let csr: PhoneCsr;
const emulators: CertsrvEmulator[] = [];

async function emulatorWith(options: Parameters<typeof startCertsrvEmulator>[0]): Promise<CertsrvEmulator> {
  const emulator = await startCertsrvEmulator(options);
  emulators.push(emulator);
  return emulator;
}

beforeAll(async () => {
  csr = await phoneCsr();
});
afterAll(async () => Promise.all(emulators.map((e) => e.close())));

describe('WWW-Authenticate: Negotiate, NTLM and Basic offered together', () => {
  it.each(['per-scheme', 'one-line'] as const)('headers %s: a wrong NTLM password is AUTH_FAILED (not AUTH_SCHEME_UNSUPPORTED); the right one enrols', async (style) => {
    const emulator = await emulatorWith({ authSchemes: ['Negotiate', 'NTLM', 'Basic'], challengeHeaders: style });
    const reason = expectRefused(await issuerFor(emulator, { password: 'not-the-password' }).issue(issueRequest(csr)), 'AUTH_FAILED');
    expect(reason).toContain('offered: Negotiate, NTLM, Basic');
    expect(emulator.requests.at(-1)).toMatchObject({ status: 401, authScheme: 'NTLM', authFailure: 'wrong password for capf-enroll' });
    expectIssuedByEmulator(await issuerFor(emulator).issue(issueRequest(csr)), emulator, csr);
  });

  it('a wrong Basic password among them is AUTH_FAILED too, and Basic with only Windows authentication offered is still AUTH_SCHEME_UNSUPPORTED', async () => {
    const all = await emulatorWith({ authSchemes: ['Negotiate', 'NTLM', 'Basic'] });
    expectRefused(await issuerFor(all, { auth: 'basic', password: 'nope' }).issue(issueRequest(csr)), 'AUTH_FAILED');
    const windowsOnly = await emulatorWith({ authSchemes: ['Negotiate', 'NTLM'] });
    expect(expectRefused(await issuerFor(windowsOnly, { auth: 'basic' }).issue(issueRequest(csr)), 'AUTH_SCHEME_UNSUPPORTED')).toMatch(/offers: Negotiate, NTLM\)/);
  });
});

describe('request ids are 32-bit unsigned', () => {
  it('a CA past request 999,999,999 issues and we take the certificate', async () => {
    const emulator = await emulatorWith({ firstRequestId: 3_999_999_990 });
    expectIssuedByEmulator(await issuerFor(emulator).issue(issueRequest(csr)), emulator, csr);
    expect(emulator.caRequests.at(-1)).toMatchObject({ reqId: 3_999_999_990, status: 'issued' });
    expect(emulator.requests.some((r) => r.path === '/certsrv/certnew.cer' && r.query.ReqID === '3999999990')).toBe(true);
  });

  it('the last id there is (4294967295) goes through a pending request and its handle', async () => {
    const emulator = await emulatorWith({ firstRequestId: 4_294_967_295, templates: [{ name: 'CiscoPhoneLSC', outcome: 'pending' }] });
    const issuer = issuerFor(emulator);
    const pending = await issuer.issue(issueRequest(csr));
    expect(pending).toMatchObject({ kind: 'pending', handle: expect.stringMatching(/^msca:v1:4294967295:/) });
    await emulator.issuePending(4_294_967_295);
    expectIssuedByEmulator(await issuer.fetchPending((pending as { handle: string }).handle), emulator, csr);
    expect(expectRefused(await issuer.fetchPending('msca:v1:4294967296:' + '0'.repeat(64)), 'BAD_HANDLE')).toContain('not a microsoft-ca pending handle');
  });
});

describe('a pending answer without the Requests cookie (a proxy strips Set-Cookie)', () => {
  it('takes the request id from the page markup and polls exactly that request', async () => {
    const emulator = await emulatorWith({ stripSetCookie: true, locale: 'de', templates: [{ name: 'CiscoPhoneLSC', outcome: 'pending' }] });
    const result = await issuerFor(emulator).issue(issueRequest(csr));
    const reqId = emulator.caRequests.at(-1)!.reqId;
    expect(result).toMatchObject({ kind: 'pending', handle: expect.stringMatching(new RegExp(`^msca:v1:${reqId}:`)) });
    const submission = emulator.requests.find((r) => r.path === '/certsrv/certfnsh.asp' && r.status === 200);
    expect(submission).toBeDefined();
    expect(emulator.requests.filter((r) => r.path === '/certsrv/certnew.cer').at(-1)?.query).toMatchObject({ ReqID: String(reqId) });
  });

  it('with no id anywhere on the page either, refuses as REQUEST_ID_MISSING naming the cause and the fix', async () => {
    const emulator = await emulatorWith({ stripSetCookie: true, pendingPageWithoutRequestId: true, templates: [{ name: 'CiscoPhoneLSC', outcome: 'pending' }] });
    const reason = expectRefused(await issuerFor(emulator).issue(issueRequest(csr)), 'REQUEST_ID_MISSING');
    expect(reason).toMatch(/strips Set-Cookie/);
    expect(reason).toMatch(/let Set-Cookie from \/certsrv through/);
    expect(reason).toMatch(/Pending Requests/);
    expect(emulator.caRequests.at(-1)).toMatchObject({ status: 'pending' });
  });
});

describe('HTTP 500 from IIS is tried again, bounded', () => {
  it('fails once (the first authenticated request), then succeeds: issued, one CA request', async () => {
    const emulator = await emulatorWith({ transientServerErrors: { count: 1 } });
    expectIssuedByEmulator(await issuerFor(emulator, { serverErrorBackoffMs: 50 }).issue(issueRequest(csr)), emulator, csr);
    expect(emulator.requests.filter((r) => r.status === 500)).toHaveLength(1);
    expect(emulator.caRequests).toHaveLength(1);
  });

  it('fails once on the submission itself, then succeeds: the CA saw one request', async () => {
    const emulator = await emulatorWith({ transientServerErrors: { count: 1, path: '/certsrv/certfnsh.asp' } });
    expectIssuedByEmulator(await issuerFor(emulator, { serverErrorBackoffMs: 50 }).issue(issueRequest(csr)), emulator, csr);
    expect(emulator.requests.filter((r) => r.path === '/certsrv/certfnsh.asp').map((r) => r.status)).toEqual([500, 200]);
    expect(emulator.caRequests).toHaveLength(1);
  });

  it('always fails: a final SERVER_ERROR after the attempts, with the status, the page heading and what to check', async () => {
    const emulator = await emulatorWith({ internalServerError: true });
    const started = Date.now();
    const reason = expectRefused(await issuerFor(emulator, { serverErrorAttempts: 3, serverErrorBackoffMs: 100 }).issue(issueRequest(csr)), 'SERVER_ERROR');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300); // waited 100 + 200 ms between the tries
    expect(reason).toMatch(/\/certsrv\/ answered HTTP 500 3 time\(s\) in a row: .*500 - Internal server error/);
    expect(reason).toMatch(/CertSrv application pool/);
    expect(emulator.requests.filter((r) => r.status === 500)).toHaveLength(3);
    expect(emulator.caRequests).toHaveLength(0);
  });

  it('never retries past the deadline: a backoff that would overrun it is not waited for', async () => {
    const emulator = await emulatorWith({ internalServerError: true });
    const started = Date.now();
    const reason = expectRefused(await issuerFor(emulator, { serverErrorBackoffMs: 5_000, deadlineMs: 2_000 }).issue(issueRequest(csr)), 'SERVER_ERROR');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(reason).toMatch(/answered HTTP 500 1 time\(s\)/);
  });
});
