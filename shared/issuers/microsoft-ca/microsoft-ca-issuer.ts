// F2 Online CA: the phone's CSR goes to an AD CS web enrollment site (/certsrv) over HTTPS, the way CUCM's
// Certificate Enrollment Service does it (docs/online-ca.md §2): GET /certsrv/ (authentication), POST certfnsh.asp,
// certnew.cer?ReqID=N&Enc=b64, then certcarc.asp + certnew.p7b for the chain. Pages are read language-neutrally.
//
// Outcomes: 'issued'; 'pending' (a CA manager must approve; fetchPending polls certnew.cer with the handle);
// 'refused' with a MicrosoftCaCode for anything an administrator must change. Transient failures (codes in
// RETRYABLE_MICROSOFT_CA_CODES: timeouts, resets, refused connections, DNS, CA service down) are THROWN as
// MicrosoftCaError (an IssuerError), so the sign service keeps no final state and the phone's retry tries again.
// IIS server errors (5xx) are tried again inside one call, within the deadline, then refused as SERVER_ERROR
// (docs/online-ca.md).
import { ConfigError, ValidationError } from '../../errors.ts';
import { describePublicKey, derToPem } from '../../pki/index.ts';
import { splitPemChain } from '../../pki/certificate.ts';
import type { IssueRequest, IssueResult, Issuer, IssuerDescription, PendingPoller } from '../../ports/index.ts';
import { CertsrvConnection, type CertsrvResponse, type ConnectionSettings } from './certsrv-connection.ts';
import { MicrosoftCaError, RETRYABLE_MICROSOFT_CA_CODES } from './errors.ts';
import { explainHresult } from './hresults.ts';
import { certificateFromBody, certificatesFromPkcs7, chainFor, checkIssuedCertificate } from './issued-certificate.ts';
import { readCertsrvPage, requestId, type CertsrvPageFacts } from './page-reader.ts';
import { microsoftCaSettingsSchema } from './settings.ts';
import { checkRequestCsr, csrRequired } from '../csr-required.ts';

export interface MicrosoftCaIssuerOptions {
  /** Must equal the CN/SAN of the IIS HTTPS certificate. */
  host: string;
  port?: number;
  /** The template's name (not its display name). */
  template: string;
  username: string;
  password: string;
  auth: 'ntlm' | 'basic';
  /** CAPF-trust: the IIS certificate must chain to one of these. */
  trustedCaPem: string[];
  /** Connect to this address while verifying the certificate for `host` (tests, split DNS). */
  connectAddress?: string;
  /** Per HTTP exchange (default 8 s). */
  timeoutMs?: number;
  /** For a whole issue(), fetchPending() or describe(), all exchanges together (default 20 s: the sign function has 30). */
  deadlineMs?: number;
  /** Largest response body read (default 1 MiB). */
  maxResponseBytes?: number;
  /** Tries of one exchange that IIS answers with 500/502/503/504 (default 3), within deadlineMs. */
  serverErrorAttempts?: number;
  /** Wait before the second try; doubled before each further one (default 500 ms). */
  serverErrorBackoffMs?: number;
}

/** The settings, with at least one CA to check the site's certificate against (CAPF-trust is merged in by then). */
const optionsSchema = microsoftCaSettingsSchema.extend({ trustedCaPem: microsoftCaSettingsSchema.shape.trustedCaPem.unwrap().min(1) });

const HANDLE = /^msca:v1:(\d{1,10}):([0-9a-f]{64})$/;
/** MS-WCCE dispositions (docs/online-ca.md §2.5). */
const DISPOSITION = { denied: 2, issued: 3, underSubmission: 5, revoked: 6 } as const;

type Outcome = IssueResult;

function refusal(error: MicrosoftCaError): Outcome {
  return { kind: 'refused', code: error.code, reason: error.message };
}

export class MicrosoftCaIssuer implements Issuer, PendingPoller {
  readonly name = 'microsoft-ca';
  private readonly settings: ConnectionSettings;
  private readonly template: string;
  private readonly site: string;
  private readonly deadlineMs: number;
  private caCertificates?: Uint8Array[];

  constructor(options: MicrosoftCaIssuerOptions) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`Online CA setting ${issue.path.join('.') || 'options'}: ${issue.message}`, 'ONLINE_CA_CONFIG');
    }
    const o = parsed.data;
    try {
      for (const pem of o.trustedCaPem) splitPemChain(pem);
    } catch (err) {
      throw new ConfigError(`Online CA trusted certificates: ${(err as Error).message}`, 'ONLINE_CA_CONFIG');
    }
    const { deadlineMs, ...settings } = o;
    this.settings = settings;
    this.deadlineMs = deadlineMs;
    this.template = o.template;
    this.site = `https://${o.host}${o.port === 443 ? '' : `:${o.port}`}/certsrv`;
  }

  async describe(): Promise<IssuerDescription> {
    this.caCertificates ??= await this.withDeadline((connection) => this.fetchCaCertificates(connection));
    return { name: this.name, caCertificatesDer: this.caCertificates };
  }

  async issue(request: IssueRequest): Promise<IssueResult> {
    if (!request.csrDer) return csrRequired('the online Microsoft CA (microsoft-ca)', request.deviceName);
    const csr = checkRequestCsr(request, request.csrDer, 'BAD_CSR');
    if ('kind' in csr) return csr;
    let spkiSha256: string;
    try {
      const key = describePublicKey(csr.spkiDer);
      if (key.keyType !== 'rsa') {
        return { kind: 'refused', code: 'KEY_ALGORITHM_UNSUPPORTED', reason: `Online CA supports RSA keys only (F2), and ${request.deviceName} sent an EC key: set the device's key order to RSA` };
      }
      spkiSha256 = key.sha256Hex;
    } catch (err) {
      if (err instanceof ValidationError) return { kind: 'refused', code: 'BAD_CSR', reason: `the CSR of ${request.deviceName} cannot be used: ${err.message}` };
      throw err;
    }
    return this.withConnection(async (connection) => {
      await this.expectOk(await connection.request('GET', '/certsrv/'), '/certsrv/');
      const form = new URLSearchParams({
        Mode: 'newreq',
        CertRequest: derToPem(request.csrDer!, 'CERTIFICATE REQUEST'),
        CertAttrib: `CertificateTemplate:${this.template}\r\n`,
        FriendlyType: `Saved-Request Certificate (${new Date().toISOString()})`,
        ThumbPrint: '',
        TargetStoreFlags: '0',
        SaveCert: 'yes',
      });
      const answer = await connection.request('POST', '/certsrv/certfnsh.asp', form);
      return this.afterSubmission(connection, answer, spkiSha256);
    });
  }

  async fetchPending(handle: string): Promise<IssueResult> {
    const match = HANDLE.exec(handle);
    const reqId = requestId(match?.[1]);
    if (!match || reqId === undefined) {
      return { kind: 'refused', code: 'BAD_HANDLE', reason: `${JSON.stringify(handle.slice(0, 80))} is not a microsoft-ca pending handle` };
    }
    return this.withConnection((connection) => this.retrieve(connection, reqId, match[2]!));
  }

  /**
   * Runs `work` on a fresh connection within deadlineMs: each exchange has its own timeout, but a run of several
   * (authentication legs, submission, certificate, chain) must still end before the sign function does.
   */
  private async withDeadline<T>(work: (connection: CertsrvConnection) => Promise<T>): Promise<T> {
    const connection = new CertsrvConnection(this.settings, Date.now() + this.deadlineMs);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new MicrosoftCaError(
          `${this.site} did not finish within ${this.deadlineMs} ms; if a submission was under way, the CA may still create the request: check its pending and issued requests before retrying`,
          'TIMEOUT',
        );
        connection.close(error);
        reject(error);
      }, this.deadlineMs);
    });
    const working = work(connection);
    working.catch(() => undefined); // once the deadline has passed, the deadline is the answer
    try {
      return await Promise.race([working, deadline]);
    } finally {
      clearTimeout(timer);
      connection.close();
    }
  }

  /** Runs `work` within the deadline; permanent failures become refusals, transient ones are thrown. */
  private async withConnection(work: (connection: CertsrvConnection) => Promise<Outcome>): Promise<Outcome> {
    try {
      return await this.withDeadline(work);
    } catch (err) {
      if (err instanceof MicrosoftCaError && !RETRYABLE_MICROSOFT_CA_CODES.has(err.code)) return refusal(err);
      throw err;
    }
  }

  private async expectOk(response: CertsrvResponse, path: string): Promise<void> {
    if (response.status === 200) return;
    const excerpt = response.contentType === 'text/html' ? `: ${readCertsrvPage(response.body.toString('utf8')).excerpt}` : '';
    const where = `${this.site.replace(/\/certsrv$/, '')}${path.split('?')[0]}`;
    if (response.status >= 500) {
      // Retried already (CertsrvConnection.request); still failing, it needs someone to look at the server.
      throw new MicrosoftCaError(
        `${where} answered HTTP ${response.status} ${response.attempts} time(s) in a row${excerpt}; IIS or the CA failed, not the request: check the IIS log and the CertSrv application pool, then arm the device again`,
        'SERVER_ERROR',
      );
    }
    throw new MicrosoftCaError(`${where} answered HTTP ${response.status}${excerpt}`, 'HTTP_ERROR');
  }

  private html(response: CertsrvResponse, what: string): CertsrvPageFacts {
    if (response.contentType !== 'text/html') {
      throw new MicrosoftCaError(`${what} came back as ${response.contentType || 'no content type'} instead of an HTML page`, 'BAD_RESPONSE');
    }
    const setCookie = response.headers['set-cookie'] ?? [];
    return readCertsrvPage(response.body.toString('utf8'), setCookie);
  }

  /** A failure the page states with an HRESULT (or a bare denial), as a MicrosoftCaError. */
  private pageFailure(facts: CertsrvPageFacts, reqId: number | undefined, denied: boolean): MicrosoftCaError | undefined {
    const request = reqId === undefined ? 'the request' : `request ${reqId}`;
    const message = facts.dispositionMessage ? `; the CA says: "${facts.dispositionMessage}"` : '';
    if (facts.failureHresult !== undefined) {
      const meaning = explainHresult(facts.failureHresult, denied ? 'denied' : 'error');
      return new MicrosoftCaError(`${this.site} refused ${request} for template "${this.template}" (${meaning.symbol}): ${meaning.advice}${message}`, meaning.code);
    }
    if (denied) return new MicrosoftCaError(`${this.site} denied ${request} for template "${this.template}"${message || `: ${facts.excerpt}`}`, 'DENIED_BY_POLICY');
    return undefined;
  }

  private async afterSubmission(connection: CertsrvConnection, answer: CertsrvResponse, spkiSha256: string): Promise<Outcome> {
    await this.expectOk(answer, '/certsrv/certfnsh.asp');
    const facts = this.html(answer, 'the answer to the submission');
    if (facts.issuedReqId !== undefined) return this.retrieve(connection, facts.issuedReqId, spkiSha256);
    const failure = this.pageFailure(facts, facts.savedReqId, facts.denied);
    if (failure) throw failure;
    // No link and no error: the CA kept the request. Its state, in numbers, is on the certnew.cer page.
    if (facts.savedReqId !== undefined) return this.retrieve(connection, facts.savedReqId, spkiSha256);
    if (facts.pendingPage) {
      throw new MicrosoftCaError(
        `${this.site}/certfnsh.asp kept the request for template "${this.template}" waiting for a CA manager but named no request id: no "Requests" cookie ` +
          `(a reverse proxy or firewall in front of IIS that strips Set-Cookie?), no ReqID link, no id in the page; let Set-Cookie from /certsrv through, ` +
          `or use a template that issues without approval; the request now waits in the CA's Pending Requests: deny it there`,
        'REQUEST_ID_MISSING',
      );
    }
    throw new MicrosoftCaError(
      `${this.site}/certfnsh.asp answered with a page that carries no request id, certificate link or error code (an IIS or proxy page, or an unknown certsrv version): "${facts.excerpt}"`,
      'BAD_RESPONSE',
    );
  }

  /** certnew.cer?ReqID=N: the certificate, or an "Error" page whose numeric disposition says why not. */
  private async retrieve(connection: CertsrvConnection, reqId: number, spkiSha256: string): Promise<Outcome> {
    const path = `/certsrv/certnew.cer?ReqID=${reqId}&Enc=b64`;
    const answer = await connection.request('GET', path);
    await this.expectOk(answer, path);
    if (answer.contentType === 'application/pkix-cert') {
      const certificateDer = certificateFromBody(answer.body, `the certificate of request ${reqId}`);
      checkIssuedCertificate(certificateDer, { expectedSpkiSha256: spkiSha256, template: this.template, reqId, host: this.settings.host });
      return { kind: 'issued', certificateDer, chainDer: await this.chainOf(connection, certificateDer, reqId) };
    }
    const facts = this.html(answer, `request ${reqId}`);
    if (facts.disposition === DISPOSITION.underSubmission) {
      return {
        kind: 'pending',
        handle: `msca:v1:${reqId}:${spkiSha256}`,
        message: `request ${reqId} on ${this.site} (template ${this.template}) waits for a CA certificate manager: approve it under Pending Requests in the Certification Authority console; the certificate is fetched once issued`,
      };
    }
    if (facts.disposition === DISPOSITION.revoked) {
      throw new MicrosoftCaError(`request ${reqId} on ${this.site} was issued and then revoked; start a new certificate operation`, 'REVOKED');
    }
    const failure = this.pageFailure(facts, reqId, facts.disposition === DISPOSITION.denied || facts.denied);
    if (failure) throw failure;
    throw new MicrosoftCaError(
      `${this.site}/certnew.cer gave no certificate for request ${reqId} and no disposition code${facts.disposition !== undefined ? ` it knows (${facts.disposition})` : ''}: "${facts.excerpt}"`,
      'BAD_RESPONSE',
    );
  }

  /** The chain from the cached CA certificates; after a CA renewal the cache is stale, so refetch once. */
  private async chainOf(connection: CertsrvConnection, certificateDer: Uint8Array, reqId: number): Promise<Uint8Array[]> {
    const cached = this.caCertificates !== undefined;
    try {
      return chainFor(certificateDer, await this.fetchCaCertificates(connection), reqId);
    } catch (err) {
      if (!cached || !(err instanceof MicrosoftCaError) || err.code !== 'CHAIN_INVALID') throw err;
      this.caCertificates = undefined;
      return chainFor(certificateDer, await this.fetchCaCertificates(connection), reqId);
    }
  }

  /** certcarc.asp for the newest renewal, then certnew.p7b for the CA chain (cached per issuer instance). */
  private async fetchCaCertificates(connection: CertsrvConnection): Promise<Uint8Array[]> {
    if (this.caCertificates) return this.caCertificates;
    const page = await connection.request('GET', '/certsrv/certcarc.asp');
    await this.expectOk(page, '/certsrv/certcarc.asp');
    const facts = this.html(page, 'the CA certificate page');
    const stopped = this.pageFailure(facts, undefined, false);
    if (stopped) throw stopped;
    const path = `/certsrv/certnew.p7b?ReqID=CACert&Renewal=${facts.renewals ?? 0}&Enc=bin`;
    const chain = await connection.request('GET', path);
    await this.expectOk(chain, path);
    if (chain.contentType !== 'application/x-pkcs7-certificates') {
      const failure = chain.contentType === 'text/html' ? this.pageFailure(this.html(chain, 'the CA chain'), undefined, false) : undefined;
      throw failure ?? new MicrosoftCaError(`${this.site}/certnew.p7b answered ${chain.contentType || 'no content type'}, not a PKCS#7 chain`, 'BAD_RESPONSE');
    }
    this.caCertificates = certificatesFromPkcs7(chain.body, 'the CA chain (certnew.p7b)');
    return this.caCertificates;
  }
}
