// The certsrv emulator itself: its pages, its CA and its IIS authentication must behave like the real thing, or the
// client tests prove nothing. These tests talk to it with plain node:https, not with MicrosoftCaIssuer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { encodeNegotiate } from '../../../shared/issuers/ntlm/messages.ts';
import { CLIENT_NEGOTIATE_FLAGS, createAuthenticateMessage } from '../../../shared/issuers/ntlm/ntlmv2.ts';
import { checkIssuerSettings } from '../../../shared/issuers/registry.ts';
import { DEFAULT_ACCOUNT, runCertsrvEmulatorCli, startCertsrvEmulator, type CertsrvEmulator } from '../../../cli/certsrv-emulator/index.ts';
import { phoneCsr, type PhoneCsr } from './helpers.ts';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** Repeated headers kept apart (WWW-Authenticate). */
  distinct: NodeJS.Dict<string[]>;
  body: Buffer;
  text: string;
  peerCertificate?: Buffer;
}

let emulator: CertsrvEmulator;
let csr: PhoneCsr;
const BASIC = `Basic ${Buffer.from(`CORP\\${DEFAULT_ACCOUNT.user}:${DEFAULT_ACCOUNT.password}`).toString('base64')}`;

function call(options: { path: string; method?: string; form?: Record<string, string>; authorization?: string; cookie?: string; agent?: Agent }): Promise<Answer> {
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: emulator.port,
        servername: emulator.hostname,
        ca: emulator.caCertificatePem,
        method: options.method ?? (body ? 'POST' : 'GET'),
        path: options.path,
        ...(options.agent ? { agent: options.agent } : {}),
        headers: {
          Host: emulator.hostname,
          ...(options.authorization ? { Authorization: options.authorization } : {}),
          ...(options.cookie ? { Cookie: options.cookie } : {}),
          ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, distinct: res.headersDistinct, body: all, text: all.toString('utf8'), ...(peer?.raw ? { peerCertificate: peer.raw } : {}) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One NTLM handshake on one socket; `tamper` may change the AUTHENTICATE message before it is sent. */
async function ntlmLogin(options: { channelBinding?: 'right' | 'wrong' | 'none'; tamper?: (message: Buffer) => Buffer; password?: string }): Promise<Answer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const negotiate = encodeNegotiate(CLIENT_NEGOTIATE_FLAGS);
    const first = await call({ path: '/certsrv/', authorization: `NTLM ${negotiate.toString('base64')}`, agent });
    expect(first.status).toBe(401);
    const challenge = Buffer.from(String(first.headers['www-authenticate']).replace(/^NTLM /, ''), 'base64');
    const certificate = options.channelBinding === 'wrong' ? Buffer.from('not the certificate of this connection') : first.peerCertificate!;
    const binding = Buffer.concat([Buffer.from('tls-server-end-point:'), createHash('sha256').update(certificate).digest()]);
    let message = createAuthenticateMessage({
      negotiate,
      challenge,
      username: `CORP\\${DEFAULT_ACCOUNT.user}`,
      password: options.password ?? DEFAULT_ACCOUNT.password,
      ...(options.channelBinding === 'none' ? {} : { channelBindingData: binding }),
    });
    if (options.tamper) message = options.tamper(message);
    return await call({ path: '/certsrv/', authorization: `NTLM ${message.toString('base64')}`, agent });
  } finally {
    agent.destroy();
  }
}

beforeAll(async () => {
  [emulator, csr] = await Promise.all([
    startCertsrvEmulator({ authSchemes: ['Negotiate', 'NTLM', 'Basic'], templates: [{ name: 'CiscoPhoneLSC', displayName: 'Cisco Phone LSC' }, { name: 'ApprovedLSC', outcome: 'pending' }] }),
    phoneCsr(),
  ]);
});
afterAll(async () => emulator.close());

describe('certsrv emulator: IIS authentication', () => {
  it('answers an anonymous request with the IIS 401 page, IIS headers and one WWW-Authenticate per scheme', async () => {
    const answer = await call({ path: '/certsrv/' });
    expect(answer.status).toBe(401);
    expect(answer.distinct['www-authenticate']).toEqual(['Negotiate', 'NTLM', `Basic realm="${emulator.hostname}"`]);
    expect(answer.headers.server).toBe('Microsoft-IIS/10.0');
    expect(answer.headers['x-powered-by']).toBe('ASP.NET');
    expect(answer.text).toContain('401 - Unauthorized: Access is denied due to invalid credentials.');
  });

  it('can fold the challenges into one header line, as a proxy may', async () => {
    await emulator.setMode({ challengeHeaders: 'one-line' });
    try {
      const answer = await call({ path: '/certsrv/' });
      expect(answer.distinct['www-authenticate']).toEqual([`Negotiate, NTLM, Basic realm="${emulator.hostname}"`]);
    } finally {
      await emulator.setMode({ challengeHeaders: 'per-scheme' });
    }
  });

  it('verifies NTLMv2 for real: right password in, wrong password out, a tampered MIC out', async () => {
    expect((await ntlmLogin({})).status).toBe(200);
    expect((await ntlmLogin({ password: 'guess' })).status).toBe(401);
    const tampered = await ntlmLogin({ tamper: (m) => Buffer.concat([m.subarray(0, 72), Buffer.alloc(16, 7), m.subarray(88)]) });
    expect(tampered.status).toBe(401);
    expect(emulator.requests.at(-1)!.authFailure).toBe('MIC does not verify');
  });

  it('rejects a channel binding of another TLS connection, and requires one under Extended Protection', async () => {
    expect((await ntlmLogin({ channelBinding: 'wrong' })).status).toBe(401);
    expect(emulator.requests.at(-1)!.authFailure).toMatch(/channel binding does not match/);
    expect((await ntlmLogin({ channelBinding: 'none' })).status).toBe(200);
    await emulator.setMode({ requireChannelBinding: true });
    try {
      expect((await ntlmLogin({ channelBinding: 'none' })).status).toBe(401);
      expect((await ntlmLogin({ channelBinding: 'right' })).status).toBe(200);
    } finally {
      await emulator.setMode({ requireChannelBinding: false });
    }
  });
});

describe('certsrv emulator: pages and certificates', () => {
  it('lists templates on certrqxt.asp and the newest renewal on certcarc.asp; paths are case-insensitive', async () => {
    const advanced = await call({ path: '/CertSrv/CertRqXt.asp', authorization: BASIC });
    expect(advanced.text).toContain('<Option Value="O;CiscoPhoneLSC;1;0;2048;Cisco Phone LSC">Cisco Phone LSC</Option>');
    expect((await call({ path: '/certsrv/certcarc.asp', authorization: BASIC })).text).toMatch(/var nRenewals=0;/);
    expect((await call({ path: '/certsrv/nothing.asp', authorization: BASIC })).status).toBe(404);
  });

  it('serves the CA certificate and a real PKCS#7 chain, base64 in CERTIFICATE armour like certsrv', async () => {
    const cer = await call({ path: '/certsrv/certnew.cer?ReqID=CACert&Renewal=0&Enc=bin', authorization: BASIC });
    expect(cer.headers['content-type']).toBe('application/pkix-cert');
    expect(new X509Certificate(cer.body).toString().trim()).toBe(emulator.caCertificatePem.trim());
    const p7b = await call({ path: '/certsrv/certnew.p7b?ReqID=CACert&Renewal=0&ENC=b64', authorization: BASIC });
    expect(p7b.headers['content-type']).toBe('application/x-pkcs7-certificates');
    expect(p7b.text).toMatch(/^-----BEGIN CERTIFICATE-----\r\n/);
    const der = Buffer.from(p7b.text.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    expect(new x509.X509Certificates(der).map((c) => c.toString('pem'))).toEqual([emulator.caCertificatePem]);
  });

  it('issues: links in both forms, and the certificate carries the template name and the CSR key', async () => {
    const pem = new x509.Pkcs10CertificateRequest(csr.csrDer).toString('pem');
    const answer = await call({ path: '/certsrv/certfnsh.asp', authorization: BASIC, form: { Mode: 'newreq', CertRequest: pem, CertAttrib: 'CertificateTemplate:CiscoPhoneLSC\r\n', TargetStoreFlags: '0', SaveCert: 'yes' } });
    const reqId = emulator.caRequests.at(-1)!.reqId;
    expect(answer.text).toContain(`certnew.cer?ReqID=${reqId}&amp;Enc=b64`);
    expect(answer.text).toContain(`location="certnew.cer?ReqID=${reqId}&Enc=b64"`);
    const certificate = await call({ path: `/certsrv/certnew.cer?ReqID=${reqId}&Enc=b64`, authorization: BASIC });
    const leaf = new x509.X509Certificate(certificate.text);
    expect(Buffer.from(leaf.getExtension('1.3.6.1.4.1.311.20.2')!.value).subarray(2).swap16().toString('utf16le')).toBe('CiscoPhoneLSC');
    expect(Buffer.from(leaf.publicKey.rawData).equals(Buffer.from(csr.publicKeyDer))).toBe(true);
  });

  it('checks the CSR signature: a tampered CSR fails with Error Parsing Request (NTE_BAD_SIGNATURE)', async () => {
    const tampered = Buffer.from(csr.csrDer);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 5) ^ 0xff, tampered.length - 5);
    const answer = await call({ path: '/certsrv/certfnsh.asp', authorization: BASIC, form: { Mode: 'newreq', CertRequest: tampered.toString('base64'), CertAttrib: 'CertificateTemplate:CiscoPhoneLSC' } });
    expect(answer.text).toContain('Error Parsing Request');
    expect(answer.text).toContain('0x80090006 (-2146893818 NTE_BAD_SIGNATURE)');
    expect(emulator.caRequests.at(-1)).toMatchObject({ status: 'failed', hresult: 'NTE_BAD_SIGNATURE' });
  });

  it('keeps pending requests: Requests cookie, certckpn.asp list, chkpnd, and the "Error" page layout of certnew.cer', async () => {
    const answer = await call({ path: '/certsrv/certfnsh.asp', authorization: BASIC, form: { Mode: 'newreq', CertRequest: Buffer.from(csr.csrDer).toString('base64'), CertAttrib: 'CertificateTemplate:ApprovedLSC' } });
    const reqId = emulator.caRequests.at(-1)!.reqId;
    expect(answer.text).toContain(`Your Request Id is </LocID>${reqId}<LocID`);
    const cookie = (answer.headers['set-cookie'] ?? []).find((c) => c.startsWith('Requests='))!;
    expect(cookie).toMatch(new RegExp(`^Requests=%5B${reqId}%2C0%2Cyes%2CSaved%2DRequest\\+Certificate\\+%28`));
    const list = await call({ path: '/certsrv/certckpn.asp', authorization: BASIC, cookie: cookie.split(';')[0]! });
    expect(list.text).toContain(`certfnsh.asp?Mode=chkpnd&amp;ReqID=${reqId}`);

    const fetch = await call({ path: `/certsrv/certnew.cer?ReqID=${reqId}&Enc=b64`, authorization: BASIC });
    expect(fetch.headers['content-type']).toBe('text/html; charset=utf-8');
    // The layout certsrv clients rely on: the value on the line after </DT><DD>, after two tabs.
    expect(/Disposition message:[^\t]+\t\t([^\r\n]+)/.exec(fetch.text)?.[1]).toBe('Taken Under Submission');
    expect(fetch.text).toMatch(/locDispLabel[\s\S]*?<DD>\s*5 /);
    expect((await call({ path: '/certsrv/certfnsh.asp', authorization: BASIC, form: { Mode: 'chkpnd', ReqID: String(reqId) } })).text).toContain('still pending');

    await emulator.issuePending(reqId);
    expect((await call({ path: '/certsrv/certfnsh.asp', authorization: BASIC, form: { Mode: 'chkpnd', ReqID: String(reqId) } })).text).toContain(
      'The certificate you requested was issued to you.',
    );
    const unknown = await call({ path: '/certsrv/certnew.cer?ReqID=99999999&Enc=b64', authorization: BASIC });
    expect(unknown.text).toContain('0x80094004 (-2146877436 CERTSRV_E_PROPERTY_EMPTY)');
  });
});

describe('certsrv emulator: faults of IIS and what stands in front of it', () => {
  const submit = (template = 'ApprovedLSC') =>
    call({ path: '/certsrv/certfnsh.asp', authorization: BASIC, form: { Mode: 'newreq', CertRequest: Buffer.from(csr.csrDer).toString('base64'), CertAttrib: `CertificateTemplate:${template}` } });

  it('strips every Set-Cookie (a reverse proxy), and can leave the request id out of the pending page', async () => {
    await emulator.setMode({ stripSetCookie: true });
    try {
      const answer = await submit();
      expect(answer.headers['set-cookie']).toBeUndefined();
      expect(answer.text).toContain(`</LocID>${emulator.caRequests.at(-1)!.reqId}<LocID`);
      await emulator.setMode({ pendingPageWithoutRequestId: true });
      const bare = await submit();
      expect(bare.text).toContain('ID=locInfoReqRecvd');
      expect(bare.text).not.toContain('locReqIdBefore');
    } finally {
      await emulator.setMode({ stripSetCookie: false, pendingPageWithoutRequestId: false });
    }
  });

  it('answers the next N authenticated requests (to one path, if given) with IIS 500, then recovers', async () => {
    await emulator.setMode({ transientServerErrors: { count: 2, path: '/certsrv/certcarc.asp' } });
    expect((await call({ path: '/certsrv/', authorization: BASIC })).status).toBe(200);
    expect((await call({ path: '/certsrv/certcarc.asp', authorization: BASIC })).status).toBe(500);
    const second = await call({ path: '/certsrv/certcarc.asp', authorization: BASIC });
    expect(second.status).toBe(500);
    expect(second.text).toContain('500 - Internal server error.');
    expect((await call({ path: '/certsrv/certcarc.asp', authorization: BASIC })).status).toBe(200);
  });

  it('numbers requests from firstRequestId, up to 4294967295, and serves ids of 10 digits', async () => {
    const big = await startCertsrvEmulator({ firstRequestId: 4_294_967_294, authSchemes: ['Basic'] });
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const body = new URLSearchParams({ Mode: 'newreq', CertRequest: Buffer.from(csr.csrDer).toString('base64'), CertAttrib: 'CertificateTemplate:CiscoPhoneLSC' }).toString();
        request(
          { host: '127.0.0.1', port: big.port, servername: big.hostname, ca: big.caCertificatePem, method: 'POST', path: '/certsrv/certfnsh.asp', headers: { Host: big.hostname, Authorization: BASIC, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(body.length) } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text));
          },
        ).once('error', reject).end(body);
      });
      expect(answer).toContain('certnew.cer?ReqID=4294967294&amp;Enc=b64');
    } finally {
      await big.close();
    }
    await expect(startCertsrvEmulator({ firstRequestId: 4_294_967_296 })).rejects.toThrow(/4294967295/);
  });
});

describe('runCertsrvEmulatorCli', () => {
  it('starts an emulator from arguments and prints the settings, never the password', async () => {
    let output = '';
    const cli = await runCertsrvEmulatorCli(['--locale', 'de', '--template', 'DemoLSC', '--password', 'Demo-Secret-42', '--basic'], { write: (t: string) => (output += t) });
    try {
      expect(output).toContain(`https://127.0.0.1:${cli.port}/certsrv/`);
      expect(output).toContain('template DemoLSC');
      expect(output).toContain('-----BEGIN CERTIFICATE-----');
      expect(output).not.toContain('Demo-Secret-42');
      expect(cli.mode).toMatchObject({ locale: 'de', authSchemes: ['Negotiate', 'NTLM', 'Basic'] });
    } finally {
      await cli.close();
    }
    await expect(runCertsrvEmulatorCli(['--locale', 'fr'], { write: () => undefined })).rejects.toThrow(/fr/);
  });

  it('writes the settings a microsoft-ca issuer needs (--settings-out, mode 0600), which the registry accepts', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'capf-emulator-settings-'));
    const file = join(folder, 'adcs.json');
    let output = '';
    const cli = await runCertsrvEmulatorCli(['--template', 'DemoLSC', '--password', 'Demo-Secret-42', '--settings-out', file], { write: (t: string) => (output += t) });
    try {
      expect(output).toContain(file);
      expect(output).not.toContain('Demo-Secret-42');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const settings = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      expect(settings).toMatchObject({ host: cli.hostname, port: cli.port, connectAddress: '127.0.0.1', template: 'DemoLSC', password: 'Demo-Secret-42', trustedCaPem: [cli.caCertificatePem] });
      expect(() => checkIssuerSettings('microsoft-ca', settings, file)).not.toThrow();
    } finally {
      await cli.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
