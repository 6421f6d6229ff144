// CUCM needs an English CA because it matches English sentences (docs/online-ca.md §2.9). The client reads only
// language-neutral markers, so every outcome must classify the same on a German or Korean CA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:https';
import { DEFAULT_ACCOUNT, startCertsrvEmulator, type CertsrvEmulator, type CertsrvLocale } from '../../../cli/certsrv-emulator/index.ts';
import { expectIssuedByEmulator, expectRefused, issueRequest, issuerFor, phoneCsr, type PhoneCsr } from './helpers.ts';

let csr: PhoneCsr;
beforeAll(async () => {
  csr = await phoneCsr();
});

/** A page as a browser would get it (Basic, so one request), to show the emulator really speaks the language. */
function fetchPage(emulator: CertsrvEmulator, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: emulator.port,
        servername: emulator.hostname,
        path,
        ca: emulator.caCertificatePem,
        headers: { Host: emulator.hostname, Authorization: `Basic ${Buffer.from(`${DEFAULT_ACCOUNT.user}:${DEFAULT_ACCOUNT.password}`).toString('base64')}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const WORDS: Record<CertsrvLocale, { pendingTitle: string; deniedBy: string }> = {
  en: { pendingTitle: 'Certificate Pending', deniedBy: 'Denied by CORP\\ca-manager' },
  de: { pendingTitle: 'Zertifikat ausstehend', deniedBy: 'Abgelehnt von CORP\\ca-manager' },
  ko: { pendingTitle: '인증서 보류 중', deniedBy: 'CORP\\ca-manager에 의해 거부됨' },
};

describe.each(['en', 'de', 'ko'] as const)('a %s-language CA', (locale) => {
  let emulator: CertsrvEmulator;
  beforeAll(async () => {
    emulator = await startCertsrvEmulator({
      locale,
      authSchemes: ['Negotiate', 'NTLM', 'Basic'],
      templates: [
        { name: 'CiscoPhoneLSC' },
        { name: 'ApprovedLSC', outcome: 'pending' },
        { name: 'RestrictedLSC', enrollees: ['nobody'] },
        { name: 'StrongKeysOnly', minimumKeyBits: 4096 },
        { name: 'NoKeyEncipherment', keyEncipherment: false },
      ],
    });
  });
  afterAll(async () => emulator.close());

  it('serves its pages in that language', async () => {
    const page = await fetchPage(emulator, '/certsrv/certckpn.asp');
    const english = page.includes('View the Status of a Pending Certificate Request');
    expect(english).toBe(locale === 'en');
  });

  it('issues, and the certificate verifies against the CA', async () => {
    expectIssuedByEmulator(await issuerFor(emulator).issue(issueRequest(csr)), emulator, csr);
  });

  it('classifies pending → issued and pending → denied', async () => {
    const issuer = issuerFor(emulator, { template: 'ApprovedLSC' });
    const first = await issuer.issue(issueRequest(csr));
    expect(first.kind).toBe('pending');
    const firstId = emulator.caRequests.at(-1)!.reqId;
    const second = await issuer.issue(issueRequest(csr));
    const secondId = emulator.caRequests.at(-1)!.reqId;
    if (first.kind !== 'pending' || second.kind !== 'pending') throw new Error('expected two pending requests');
    const pendingPage = await fetchPage(emulator, `/certsrv/certfnsh.asp?Mode=chkpnd&ReqID=${firstId}`);
    expect(pendingPage).toContain(WORDS[locale].pendingTitle);

    await emulator.issuePending(firstId);
    expectIssuedByEmulator(await issuer.fetchPending(first.handle), emulator, csr);
    emulator.denyPending(secondId);
    const reason = expectRefused(await issuer.fetchPending(second.handle), 'DENIED_BY_ADMIN');
    expect(reason).toContain(WORDS[locale].deniedBy);
  });

  it.each([
    ['NoSuchTemplate', 'TEMPLATE_UNKNOWN'],
    ['RestrictedLSC', 'PERMISSION_DENIED'],
    ['StrongKeysOnly', 'DENIED_BY_POLICY'],
    ['NoKeyEncipherment', 'KEY_USAGE_MISSING'],
  ])('refuses template %s as %s', async (template, code) => {
    expectRefused(await issuerFor(emulator, { template }).issue(issueRequest(csr)), code);
  });

  it('reports a stopped CA service as CA_UNAVAILABLE', async () => {
    await emulator.setMode({ caServiceStopped: true });
    try {
      await expect(issuerFor(emulator).issue(issueRequest(csr))).rejects.toMatchObject({ code: 'CA_UNAVAILABLE' });
    } finally {
      await emulator.setMode({ caServiceStopped: false });
    }
  });
});
