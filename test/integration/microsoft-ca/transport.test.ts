import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCertsrvEmulator, type CertsrvEmulator } from '../../../cli/certsrv-emulator/index.ts';
import { expectIssuedByEmulator, expectRefused, issueRequest, issuerFor, phoneCsr, type PhoneCsr } from './helpers.ts';

let emulator: CertsrvEmulator;
let csr: PhoneCsr;

beforeAll(async () => {
  [emulator, csr] = await Promise.all([startCertsrvEmulator(), phoneCsr()]);
});
afterAll(async () => emulator.close());

async function withTls<T>(kind: CertsrvEmulator['mode']['tlsCertificate'], run: () => Promise<T>): Promise<T> {
  await emulator.setMode({ tlsCertificate: kind });
  try {
    return await run();
  } finally {
    await emulator.setMode({ tlsCertificate: 'valid' });
  }
}

describe('MicrosoftCaIssuer: TLS to the site (CAPF-trust, hostname = CN/SAN)', () => {
  it('HOSTNAME_MISMATCH when the IIS certificate names another host, before any credentials are sent', async () => {
    const before = emulator.requests.length;
    const reason = await withTls('hostname-mismatch', async () => expectRefused(await issuerFor(emulator).issue(issueRequest(csr)), 'HOSTNAME_MISMATCH'));
    expect(reason).toContain('adcs.corp.capf.test');
    expect(reason).toMatch(/CN\/SAN/);
    expect(emulator.requests.length).toBe(before);
  });

  it('UNTRUSTED_CA for a self-signed IIS certificate and for one from a CA outside CAPF-trust', async () => {
    for (const kind of ['self-signed', 'unknown-issuer'] as const) {
      const reason = await withTls(kind, async () => expectRefused(await issuerFor(emulator).issue(issueRequest(csr)), 'UNTRUSTED_CA'));
      expect(reason).toMatch(/CAPF-trust/);
    }
  });

  it('TLS_CERT_DATES for an expired IIS certificate', async () => {
    await withTls('expired', async () => expectRefused(await issuerFor(emulator).issue(issueRequest(csr)), 'TLS_CERT_DATES'));
  });

  it('trusts the site again once the certificate is right (the issuer keeps no broken state)', async () => {
    expectIssuedByEmulator(await issuerFor(emulator).issue(issueRequest(csr)), emulator, csr);
  });
});

describe('MicrosoftCaIssuer: transient transport failures are thrown (retryable), not refused', () => {
  it('TIMEOUT when certfnsh.asp does not answer within timeoutMs, warning that the CA may still create the request', async () => {
    await emulator.setMode({ latencyMs: { submit: 30_000 } });
    try {
      await expect(issuerFor(emulator, { timeoutMs: 1_000 }).issue(issueRequest(csr))).rejects.toMatchObject({
        name: 'MicrosoftCaError',
        code: 'TIMEOUT',
        message: expect.stringMatching(/certfnsh\.asp did not answer within 1000 ms.*check its pending and issued requests/),
      });
    } finally {
      await emulator.setMode({ latencyMs: {} });
    }
  });

  it('TIMEOUT when the exchanges together overrun deadlineMs, though each answers within timeoutMs; nothing is sent after it', async () => {
    // Authentication legs, submission and downloads each answer within the per-exchange limit, but not all within 2.5 s.
    await emulator.setMode({ latencyMs: { auth: 700, submit: 700, retrieve: 700 } });
    try {
      const started = Date.now();
      await expect(issuerFor(emulator, { timeoutMs: 2_000, deadlineMs: 2_500 }).issue(issueRequest(csr))).rejects.toMatchObject({
        name: 'MicrosoftCaError',
        code: 'TIMEOUT',
        message: expect.stringMatching(/did not finish within 2500 ms.*check its pending and issued requests/),
      });
      expect(Date.now() - started).toBeLessThan(3_800);
      const seen = emulator.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(emulator.requests.length).toBe(seen);
    } finally {
      await emulator.setMode({ latencyMs: {} });
    }
  });

  it('CONNECTION_RESET when the server resets the connection on submission', async () => {
    await emulator.setMode({ resetConnections: 'on-submit' });
    try {
      await expect(issuerFor(emulator).issue(issueRequest(csr))).rejects.toMatchObject({ name: 'MicrosoftCaError', code: 'CONNECTION_RESET' });
    } finally {
      await emulator.setMode({ resetConnections: 'never' });
    }
  });

  it('CONNECTION_RESET when every connection is reset, and CONNECTION_REFUSED when nothing listens', async () => {
    await emulator.setMode({ resetConnections: 'always' });
    try {
      await expect(issuerFor(emulator).issue(issueRequest(csr))).rejects.toMatchObject({ code: 'CONNECTION_RESET' });
    } finally {
      await emulator.setMode({ resetConnections: 'never' });
    }
    const closed = await startCertsrvEmulator();
    const issuer = issuerFor(closed);
    await closed.close();
    await expect(issuer.issue(issueRequest(csr))).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' });
  });

  it('RESPONSE_TOO_LARGE refuses a body above maxResponseBytes unread', async () => {
    await emulator.setMode({ pagePaddingBytes: 40_000 });
    try {
      const reason = expectRefused(await issuerFor(emulator, { maxResponseBytes: 16_384 }).issue(issueRequest(csr)), 'RESPONSE_TOO_LARGE');
      expect(reason).toMatch(/more than 16384 bytes/);
      expectIssuedByEmulator(await issuerFor(emulator, { maxResponseBytes: 100_000 }).issue(issueRequest(csr)), emulator, csr);
    } finally {
      await emulator.setMode({ pagePaddingBytes: 0 });
    }
  });
});
