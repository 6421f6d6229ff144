// One authenticated HTTP/1.1 keep-alive connection to IIS /certsrv. NTLM authenticates the TCP connection (the
// NEGOTIATE/CHALLENGE/AUTHENTICATE legs must share one socket), so the agent holds exactly one socket; every
// response body is bounded, every exchange has a deadline, and TLS trusts only the CAPF-trust certificates.
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import 'reflect-metadata';
import { X509Certificate as PeculiarCertificate } from '@peculiar/x509';
import { encodeNegotiate } from '../ntlm/messages.ts';
import { CLIENT_NEGOTIATE_FLAGS, createAuthenticateMessage } from '../ntlm/ntlmv2.ts';
import { classifyTransportError, MicrosoftCaError } from './errors.ts';
import { parseChallenges } from './www-authenticate.ts';

export interface ConnectionSettings {
  host: string;
  port: number;
  connectAddress?: string;
  username: string;
  password: string;
  auth: 'ntlm' | 'basic';
  trustedCaPem: string[];
  timeoutMs: number;
  maxResponseBytes: number;
  /** Tries of an exchange that IIS answers with a server error (TRANSIENT_STATUSES), within the deadline. */
  serverErrorAttempts: number;
  serverErrorBackoffMs: number;
}

/**
 * Statuses worth another try: IIS's own 500 (an ASP or application-pool failure), 503 (pool stopped or recycling),
 * and 502/504 from a proxy in front of it.
 */
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
/** Time an exchange needs at least; a retry that would leave less before the deadline is not started. */
const MIN_EXCHANGE_MS = 250;

export interface CertsrvResponse {
  /** How many times it was sent (more than once after transient server errors). */
  attempts: number;
  status: number;
  contentType: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface RawExchange extends Omit<CertsrvResponse, 'attempts'> {
  socket: Socket;
}

// certsrv serves different markup to non-browsers (docs/online-ca.md §2.2): present a browser-like agent.
const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; capf-cloud)';

/** RFC 5929 tls-server-end-point: the server certificate hashed with its signature hash (SHA-256 for MD5/SHA-1). */
export function tlsServerEndPoint(certificateDer: Uint8Array): Buffer {
  let hash = 'sha256';
  try {
    const named = (new PeculiarCertificate(certificateDer).signatureAlgorithm as { hash?: { name?: string } }).hash?.name ?? '';
    if (named === 'SHA-384' || named === 'SHA-512') hash = named.replace('-', '').toLowerCase();
  } catch {
    // an unparseable certificate cannot have passed TLS verification; keep SHA-256
  }
  return Buffer.concat([Buffer.from('tls-server-end-point:', 'latin1'), createHash(hash).update(certificateDer).digest()]);
}

/** The schemes a 401 offers, e.g. ['Negotiate', 'NTLM', 'Basic'], and the token of `scheme` if the server sent one. */
function offeredSchemes(headers: IncomingHttpHeaders): { schemes: string[]; tokenFor(scheme: string): string | undefined } {
  const challenges = parseChallenges(headers['www-authenticate']);
  return {
    schemes: challenges.map((c) => c.scheme),
    tokenFor: (scheme) => challenges.find((c) => c.scheme.toLowerCase() === scheme.toLowerCase() && c.token68)?.token68,
  };
}

export class CertsrvConnection {
  private readonly agent: Agent;
  private ntlmSocket?: Socket;
  private ntlmScheme: 'NTLM' | 'Negotiate' = 'NTLM';
  private closedBy?: MicrosoftCaError;

  /** `deadlineAt` (epoch ms): when the issuer gives up; retries after server errors stop short of it. */
  constructor(
    private readonly settings: ConnectionSettings,
    private readonly deadlineAt = Number.POSITIVE_INFINITY,
  ) {
    const host = settings.host;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 1,
      maxFreeSockets: 1,
      ca: settings.trustedCaPem,
      servername: host,
      minVersion: 'TLSv1.2',
      // The name checked is always the configured host, even when connecting to connectAddress.
      checkServerIdentity: (_name, certificate) => checkServerIdentity(host, certificate),
    });
  }

  /** Ends the connection; any later exchange fails with `reason` at once (so nothing is submitted after a deadline). */
  close(reason?: MicrosoftCaError): void {
    this.closedBy ??= reason ?? new MicrosoftCaError(`the connection to ${this.site()} was closed`, 'CONNECTION_RESET');
    this.agent.destroy();
  }

  /**
   * An authenticated request; 401 after the handshake becomes AUTH_FAILED / AUTH_SCHEME_UNSUPPORTED. A transient
   * server error is tried again (bounded, with backoff, within the deadline); the last answer is returned either way.
   * A retried submission can leave a second request at the CA if IIS failed after the CA recorded the first (certsrv
   * has no idempotency), which is also what a phone's own retry does.
   */
  async request(method: 'GET' | 'POST', path: string, form?: URLSearchParams): Promise<CertsrvResponse> {
    for (let attempt = 1; ; attempt += 1) {
      const response = await this.requestOnce(method, path, form);
      const delay = this.settings.serverErrorBackoffMs * 2 ** (attempt - 1);
      const last = attempt >= this.settings.serverErrorAttempts || Date.now() + delay + MIN_EXCHANGE_MS > this.deadlineAt;
      if (!TRANSIENT_STATUSES.has(response.status) || last) return { ...response, attempts: attempt };
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async requestOnce(method: 'GET' | 'POST', path: string, form?: URLSearchParams): Promise<RawExchange> {
    const body = form ? Buffer.from(form.toString(), 'utf8') : undefined;
    if (this.settings.auth === 'basic') {
      const token = Buffer.from(`${this.settings.username}:${this.settings.password}`, 'utf8').toString('base64');
      const response = await this.exchange(method, path, body, `Basic ${token}`);
      if (response.status === 401) throw this.authFailure(response, 'Basic');
      return response;
    }
    if (this.ntlmSocket) {
      // NTLM authenticated this connection; IIS keeps it authenticated while the socket lives.
      const response = await this.exchange(method, path, body);
      if (response.status !== 401) return response;
      this.ntlmSocket = undefined;
    }
    return this.ntlmHandshake(method, path, body);
  }

  private async ntlmHandshake(method: 'GET' | 'POST', path: string, body: Buffer | undefined): Promise<RawExchange> {
    const negotiate = encodeNegotiate(CLIENT_NEGOTIATE_FLAGS);
    let first = await this.exchange(method, path, body, `${this.ntlmScheme} ${negotiate.toString('base64')}`);
    if (first.status !== 401) return first;
    let offer = offeredSchemes(first.headers);
    // IIS with only "Negotiate" enabled accepts raw NTLMSSP tokens inside Negotiate.
    if (!offer.tokenFor(this.ntlmScheme) && this.ntlmScheme === 'NTLM' && offer.schemes.some((s) => s.toLowerCase() === 'negotiate')) {
      this.ntlmScheme = 'Negotiate';
      first = await this.exchange(method, path, body, `Negotiate ${negotiate.toString('base64')}`);
      if (first.status !== 401) return first;
      offer = offeredSchemes(first.headers);
    }
    const challenge = offer.tokenFor(this.ntlmScheme);
    if (!challenge) throw this.authFailure(first, 'NTLM');
    const peer = (first.socket as TLSSocket).getPeerCertificate?.();
    const authenticate = createAuthenticateMessage({
      negotiate,
      challenge: Buffer.from(challenge, 'base64'),
      username: this.settings.username,
      password: this.settings.password,
      targetSpn: `HTTP/${this.settings.host}`,
      ...(peer?.raw ? { channelBindingData: tlsServerEndPoint(peer.raw) } : {}),
    });
    const final = await this.exchange(method, path, body, `${this.ntlmScheme} ${authenticate.toString('base64')}`);
    if (final.socket !== first.socket) {
      throw new MicrosoftCaError(
        `${this.site()} closed the connection in the middle of the NTLM handshake; NTLM needs HTTP keep-alive end to end: check proxies or load balancers in front of IIS`,
        'AUTH_CONNECTION_LOST',
      );
    }
    if (final.status === 401) throw this.authFailure(final, 'NTLM');
    this.ntlmSocket = final.socket;
    return final;
  }

  private site(): string {
    return `https://${this.settings.host}:${this.settings.port}`;
  }

  private authFailure(response: RawExchange, used: 'Basic' | 'NTLM'): MicrosoftCaError {
    const offered = offeredSchemes(response.headers).schemes;
    const list = offered.length ? offered.join(', ') : 'none';
    const wanted = used === 'Basic' ? ['basic'] : ['ntlm', 'negotiate'];
    if (!offered.some((s) => wanted.includes(s.toLowerCase()))) {
      const fix = used === 'Basic' ? 'install and enable Basic authentication on the CertSrv site (Web-Basic-Auth), or set authentication to NTLM' : 'enable Windows Authentication (NTLM) on the CertSrv site, or set authentication to Basic';
      return new MicrosoftCaError(`${this.site()}/certsrv does not offer ${used} authentication (it offers: ${list}); ${fix}`, 'AUTH_SCHEME_UNSUPPORTED');
    }
    return new MicrosoftCaError(
      `${this.site()}/certsrv rejected the ${used} credentials of ${this.settings.username} (HTTP 401; offered: ${list}); check the password and the user name form (DOMAIN\\user, user@domain.tld or user)${used === 'NTLM' ? ', and that Extended Protection is not set to Required without channel binding support' : ''}`,
      'AUTH_FAILED',
    );
  }

  /** One HTTP exchange on the agent's socket, bounded in time and size. */
  private exchange(method: string, path: string, body: Buffer | undefined, authorization?: string): Promise<RawExchange> {
    const { host, port, connectAddress, timeoutMs, maxResponseBytes } = this.settings;
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise<RawExchange>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        reject(classifyTransportError(err, host, port));
      };
      const req = httpsRequest({
        agent: this.agent,
        host: connectAddress ?? host,
        port,
        servername: host,
        method,
        path,
        headers: {
          Host: port === 443 ? host : `${host}:${port}`,
          'User-Agent': USER_AGENT,
          Accept: 'text/html, application/pkix-cert, application/x-pkcs7-certificates, */*',
          Connection: 'keep-alive',
          ...(authorization ? { Authorization: authorization } : {}),
          ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(body.length) } : {}),
        },
      });
      const deadline = setTimeout(() => {
        req.destroy(new MicrosoftCaError(`${this.site()}${path.split('?')[0]} did not answer within ${timeoutMs} ms; if this was the submission, the CA may still create the request: check its pending and issued requests before retrying`, 'TIMEOUT'));
      }, timeoutMs);
      let socket: Socket | undefined;
      req.on('socket', (s) => (socket = s));
      req.on('error', fail);
      req.on('response', (res) => {
        const tooLarge = (): MicrosoftCaError =>
          new MicrosoftCaError(`${this.site()}${path.split('?')[0]} sent more than ${maxResponseBytes} bytes; refused unread`, 'RESPONSE_TOO_LARGE');
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > maxResponseBytes) return void req.destroy(tooLarge());
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) return void req.destroy(tooLarge());
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          resolve({
            status: res.statusCode ?? 0,
            contentType: (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase(),
            headers: res.headers,
            body: Buffer.concat(chunks),
            socket: socket ?? res.socket,
          });
        });
      });
      req.end(body);
    });
  }
}
