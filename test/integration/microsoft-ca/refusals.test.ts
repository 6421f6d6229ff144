import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { startCertsrvEmulator, type CertsrvEmulator } from '../../../cli/certsrv-emulator/index.ts';
import { expectRefused, issueRequest, issuerFor, phoneCsr, type PhoneCsr } from './helpers.ts';

let emulator: CertsrvEmulator;
let csr: PhoneCsr;

beforeAll(async () => {
  [emulator, csr] = await Promise.all([
    startCertsrvEmulator({
      templates: [
        { name: 'CiscoPhoneLSC' },
        { name: 'RestrictedLSC', enrollees: ['someone-else'] },
        { name: 'StrongKeysOnly', minimumKeyBits: 4096 },
        { name: 'LscWithoutKeyEncipherment', keyEncipherment: false },
      ],
    }),
    phoneCsr(),
  ]);
});
afterAll(async () => emulator.close());

describe('MicrosoftCaIssuer: what the CA refuses, with a reason an administrator can act on', () => {
  it('wrong password: HTTP 401 after the NTLM handshake is AUTH_FAILED, naming the user and the offered schemes', async () => {
    const reason = expectRefused(await issuerFor(emulator, { password: 'not-the-password' }).issue(issueRequest(csr)), 'AUTH_FAILED');
    expect(reason).toContain('CORP\\capf-enroll');
    expect(reason).toContain('Negotiate, NTLM');
    expect(reason).not.toContain('not-the-password');
    expect(emulator.requests.at(-1)).toMatchObject({ status: 401, authFailure: 'wrong password for capf-enroll' });
  });

  it('wrong password with Basic is AUTH_FAILED too', async () => {
    const basic = await startCertsrvEmulator({ authSchemes: ['Basic'] });
    try {
      expectRefused(await issuerFor(basic, { auth: 'basic', password: 'nope' }).issue(issueRequest(csr)), 'AUTH_FAILED');
    } finally {
      await basic.close();
    }
  });

  it('Basic configured but the site offers only Windows authentication: AUTH_SCHEME_UNSUPPORTED with the fix', async () => {
    const reason = expectRefused(await issuerFor(emulator, { auth: 'basic' }).issue(issueRequest(csr)), 'AUTH_SCHEME_UNSUPPORTED');
    expect(reason).toMatch(/offers: Negotiate, NTLM/);
    expect(reason).toMatch(/Web-Basic-Auth/);
  });

  it('unknown template: TEMPLATE_UNKNOWN, quoting 0x80094800 and the template name', async () => {
    const reason = expectRefused(await issuerFor(emulator, { template: 'NoSuchTemplate' }).issue(issueRequest(csr)), 'TEMPLATE_UNKNOWN');
    expect(reason).toContain('CERTSRV_E_UNSUPPORTED_CERT_TYPE');
    expect(reason).toContain('"NoSuchTemplate"');
    expect(reason).toMatch(/not its display name/);
    expect(emulator.caRequests.at(-1)).toMatchObject({ status: 'denied', template: 'NoSuchTemplate' });
  });

  it('no Enroll permission on the template: PERMISSION_DENIED', async () => {
    const reason = expectRefused(await issuerFor(emulator, { template: 'RestrictedLSC' }).issue(issueRequest(csr)), 'PERMISSION_DENIED');
    expect(reason).toContain('CERTSRV_E_TEMPLATE_DENIED');
    expect(reason).toMatch(/Read \+ Enroll/);
  });

  it("denied by the policy module (key below the template's minimum): DENIED_BY_POLICY with the CA's message", async () => {
    const reason = expectRefused(await issuerFor(emulator, { template: 'StrongKeysOnly' }).issue(issueRequest(csr)), 'DENIED_BY_POLICY');
    expect(reason).toContain('CERTSRV_E_KEY_LENGTH');
    expect(reason).toMatch(/the CA says: "Denied by Policy Module\s+0x80094811, The public key does not meet the minimum size/);
  });

  it('a certificate without keyEncipherment is refused (KEY_USAGE_MISSING) and the reason says how to fix the template', async () => {
    const reason = expectRefused(await issuerFor(emulator, { template: 'LscWithoutKeyEncipherment' }).issue(issueRequest(csr)), 'KEY_USAGE_MISSING');
    expect(reason).toMatch(/without keyEncipherment key usage/);
    expect(reason).toMatch(/LscWithoutKeyEncipherment/);
    // The CA did issue it: the refusal is ours, on the certificate's content.
    const issued = emulator.caRequests.at(-1)!;
    expect(issued.status).toBe('issued');
    expect(new X509Certificate(Buffer.from(issued.certificate!.rawData)).verify(new X509Certificate(emulator.caCertificatePem).publicKey)).toBe(true);
  });

  it('CA service stopped: CA_UNAVAILABLE is thrown (transient), not a final refusal', async () => {
    await emulator.setMode({ caServiceStopped: true });
    try {
      await expect(issuerFor(emulator).issue(issueRequest(csr))).rejects.toMatchObject({
        name: 'MicrosoftCaError',
        code: 'CA_UNAVAILABLE',
        message: expect.stringMatching(/RPC_S_SERVER_UNAVAILABLE.*certsvc/),
      });
      await expect(issuerFor(emulator).describe()).rejects.toMatchObject({ code: 'CA_UNAVAILABLE' });
    } finally {
      await emulator.setMode({ caServiceStopped: false });
    }
  });
});
