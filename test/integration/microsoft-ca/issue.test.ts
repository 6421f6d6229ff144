import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import { issuerDescriptor } from '../../../shared/issuers/registry.ts';
import { DEFAULT_ACCOUNT, startCertsrvEmulator, type CertsrvEmulator } from '../../../cli/certsrv-emulator/index.ts';
import { DEVICE, expectIssuedByEmulator, expectRefused, issueRequest, issuerFor, phoneCsr, type PhoneCsr } from './helpers.ts';

let emulator: CertsrvEmulator;
let csr: PhoneCsr;

beforeAll(async () => {
  [emulator, csr] = await Promise.all([startCertsrvEmulator({ authSchemes: ['Negotiate', 'NTLM', 'Basic'] }), phoneCsr()]);
});
afterAll(async () => emulator.close());

describe('MicrosoftCaIssuer against the certsrv emulator: success paths', () => {
  it('enrolls with NTLMv2: handshake on one connection, certsrv form fields, certificate verifies against the CA', async () => {
    const before = emulator.requests.length;
    const result = await issuerFor(emulator).issue(issueRequest(csr));
    const leaf = expectIssuedByEmulator(result, emulator, csr);
    const keyUsage = new x509.X509Certificate(leaf.raw).getExtension(x509.KeyUsagesExtension)!;
    expect(keyUsage.usages & (x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment)).toBe(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    );

    const exchange = emulator.requests.slice(before);
    expect(new Set(exchange.map((r) => r.connectionId)).size).toBe(1);
    // GET /certsrv/ twice (NEGOTIATE answered by a 401 challenge, then AUTHENTICATE), then everything without a header.
    expect(exchange.slice(0, 2).map((r) => [r.path, r.status])).toEqual([['/certsrv/', 401], ['/certsrv/', 200]]);
    const [negotiateLeg, authenticateLeg] = exchange;
    expect(negotiateLeg!.authScheme).toBe('NTLM');
    expect(negotiateLeg!.status).toBe(401);
    expect(authenticateLeg!.user).toBe(`CORP\\${DEFAULT_ACCOUNT.user}`);
    const submission = exchange.find((r) => r.path === '/certsrv/certfnsh.asp')!;
    expect(submission.method).toBe('POST');
    expect(submission.form.Mode).toBe('newreq');
    expect(submission.form.CertAttrib).toBe('CertificateTemplate:CiscoPhoneLSC\r\n');
    expect(submission.form.CertRequest).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(submission.headers['user-agent']).toMatch(/^Mozilla\/5\.0/);
    expect(submission.headers.authorization).toBeUndefined(); // the connection is already authenticated
    expect(exchange.map((r) => r.path)).toEqual(expect.arrayContaining(['/certsrv/certnew.cer', '/certsrv/certcarc.asp', '/certsrv/certnew.p7b']));
    expect(emulator.caRequests.at(-1)).toMatchObject({ status: 'issued', template: 'CiscoPhoneLSC', requester: 'CORP\\capf-enroll' });
  });

  it('enrolls with Basic authentication when the site offers it', async () => {
    const before = emulator.requests.length;
    const result = await issuerFor(emulator, { auth: 'basic' }).issue(issueRequest(csr));
    expectIssuedByEmulator(result, emulator, csr);
    const exchange = emulator.requests.slice(before);
    expect(exchange.every((r) => r.authScheme === 'Basic' && r.status === 200)).toBe(true);
    expect(exchange[0]!.headers.authorization).toBe('Basic <redacted>');
  });

  it.each([['capf-enroll@corp.capf.test'], ['capf-enroll'], ['corp\\CAPF-ENROLL']])('accepts the user name form %s', async (username) => {
    const result = await issuerFor(emulator, { username }).issue(issueRequest(csr));
    expectIssuedByEmulator(result, emulator, csr);
  });

  it('uses raw NTLM inside Negotiate when the site offers only Negotiate', async () => {
    const negotiateOnly = await startCertsrvEmulator({ authSchemes: ['Negotiate'] });
    try {
      const result = await issuerFor(negotiateOnly).issue(issueRequest(csr));
      expectIssuedByEmulator(result, negotiateOnly, csr);
      expect(negotiateOnly.requests.filter((r) => r.authScheme).every((r) => r.authScheme === 'Negotiate')).toBe(true);
    } finally {
      await negotiateOnly.close();
    }
  });

  it('passes Extended Protection (EPA Required) by sending the TLS channel binding', async () => {
    const epa = await startCertsrvEmulator({ requireChannelBinding: true });
    try {
      expectIssuedByEmulator(await issuerFor(epa).issue(issueRequest(csr)), epa, csr);
    } finally {
      await epa.close();
    }
  });

  it('describe() says it needs a CSR and returns the CA chain published by certsrv', async () => {
    const description = await issuerFor(emulator).describe();
    expect(description.name).toBe('microsoft-ca');
    expect(issuerDescriptor(description.name).keyDelivery).toBe('csr');
    expect(description.caCertificatesDer).toHaveLength(1);
    expect(new x509.X509Certificate(description.caCertificatesDer[0]!).toString('pem')).toBe(emulator.caCertificatePem);
  });
});

describe('MicrosoftCaIssuer: requests it refuses before contacting the CA', () => {
  it('refuses a request without a CSR and names the issuers that work without one', async () => {
    const before = emulator.requests.length;
    const { csrDer: _unused, ...bare } = issueRequest(csr);
    const reason = expectRefused(await issuerFor(emulator).issue(bare), 'CSR_REQUIRED');
    expect(reason).toMatch(/capf-software or capf-kms/);
    expect(emulator.requests.length).toBe(before);
  });

  it('refuses an EC key (Online CA is RSA only) and a CSR that names another device', async () => {
    const ec = await phoneCsr(DEVICE, 'ec');
    expect(expectRefused(await issuerFor(emulator).issue(issueRequest(ec)), 'KEY_ALGORITHM_UNSUPPORTED')).toMatch(/RSA/);
    expect(expectRefused(await issuerFor(emulator).issue(issueRequest(csr, 'SEP00112233FFFF')), 'BAD_CSR')).toMatch(/not the device name/);
    const otherKey = { ...issueRequest(csr), publicKeyDer: ec.publicKeyDer };
    expectRefused(await issuerFor(emulator).issue(otherKey), 'CSR_KEY_MISMATCH');
  });

  it('rejects unusable options with a ConfigError that never echoes the password', () => {
    const bad = (overrides: object): unknown => {
      try {
        issuerFor(emulator, overrides as never);
      } catch (err) {
        return err;
      }
      return undefined;
    };
    expect(bad({ template: 'LSC\r\nSAN:dns=evil' })).toMatchObject({ name: 'ConfigError', code: 'ONLINE_CA_CONFIG' });
    expect(bad({ trustedCaPem: [] })).toMatchObject({ name: 'ConfigError' });
    expect(bad({ trustedCaPem: ['not a certificate'] })).toMatchObject({ name: 'ConfigError' });
    const tooLong = bad({ password: 'p'.repeat(300) }) as Error;
    expect(tooLong.message).toMatch(/password/);
    expect(tooLong.message).not.toContain('ppppp');
  });
});
