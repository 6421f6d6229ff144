// The emulated IIS: HTTPS on 127.0.0.1, HTTP/1.1 keep-alive, IIS headers, Windows authentication per connection,
// fault injection (latency, resets, stopped CA service, bad TLS certificates, locales) and a record of every request.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { EmulatorCa, type TlsCertificateKind } from './ca.ts';
import { CaDatabase, type CaRequestRecord } from './database.ts';
import { CERTSRV_STRINGS, type CertsrvLocale } from './locales.ts';
import { iisErrorPage, iisUnauthorizedPage } from './pages.ts';
import { issueRecord, route, type EmulatorTemplate, type RouteResult } from './routes.ts';
import {
  checkBasic,
  createNtlmChallenge,
  serverEndPointBinding,
  verifyNtlmAuthenticate,
  type ConnectionAuthState,
  type DirectoryNames,
  type EmulatorAccount,
} from './auth.ts';

export type AuthScheme = 'Negotiate' | 'NTLM' | 'Basic';

export interface CertsrvEmulatorMode {
  locale: CertsrvLocale;
  tlsCertificate: TlsCertificateKind;
  /** Offered in this order as separate WWW-Authenticate headers. IIS default: Negotiate, NTLM. */
  authSchemes: AuthScheme[];
  /**
   * 'per-scheme': one WWW-Authenticate header per provider, as IIS sends them (a Node client sees them joined with
   * ", "); 'one-line': the same challenges in a single header, as a proxy in front of IIS may fold them.
   */
  challengeHeaders: 'per-scheme' | 'one-line';
  /** Extended Protection "Required": NTLM must carry this connection's channel binding. */
  requireChannelBinding: boolean;
  templates: EmulatorTemplate[];
  /** Delays before answering: the authentication legs, certfnsh.asp, and certificate/chain downloads. */
  latencyMs: { auth?: number; submit?: number; retrieve?: number };
  /** Reset the TCP connection instead of answering: certfnsh.asp only, or every request. */
  resetConnections: 'never' | 'on-submit' | 'always';
  /** Web enrollment cannot reach the CA service: "The Certification Authority Service has not been started." */
  caServiceStopped: boolean;
  /** IIS answers every authenticated request with its own 500 page (a broken ASP installation). */
  internalServerError: boolean;
  /**
   * IIS answers the next `count` authenticated requests (to `path` only, when given) with its 500 page, then
   * recovers: a recycling application pool. Counts down as it fails.
   */
  transientServerErrors: { count: number; path?: string };
  /** A reverse proxy in front of IIS that drops every Set-Cookie header (so no `Requests` cookie reaches the client). */
  stripSetCookie: boolean;
  /** The pending page leaves out its "Your Request Id is N." line (a customised certsrv). */
  pendingPageWithoutRequestId: boolean;
  /** Pads every HTML page with a comment of this many bytes (bloated pages, for response bounds). */
  pagePaddingBytes: number;
}

export interface CertsrvEmulatorOptions extends Partial<CertsrvEmulatorMode> {
  /** The host name in the HTTPS certificate. Default `adcs.corp.capf.test`. */
  hostname?: string;
  caName?: string;
  accounts?: EmulatorAccount[];
  netbiosDomain?: string;
  dnsDomain?: string;
  /** Default 0 (any free port); always bound to 127.0.0.1. */
  port?: number;
  /** The CA database's next Request ID (default 40–89); AD CS ids run to 4294967295. */
  firstRequestId?: number;
}

export interface RecordedRequest {
  connectionId: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names; Basic credentials are replaced by `Basic <redacted>`. */
  headers: Record<string, string>;
  /** The decoded form of a POST. */
  form: Record<string, string>;
  authScheme?: 'NTLM' | 'Negotiate' | 'Basic';
  /** `CORP\user` when the request was authenticated. */
  user?: string;
  status: number;
  /** Why authentication failed, for test diagnostics. */
  authFailure?: string;
}

export interface CertsrvEmulator {
  url: string;
  hostname: string;
  port: number;
  address: string;
  caCertificatePem: string;
  /** The HTTPS certificate currently served (changes with `tlsCertificate`). */
  readonly tlsCertificatePem: string;
  readonly mode: Readonly<CertsrvEmulatorMode>;
  setMode(change: Partial<CertsrvEmulatorMode>): Promise<void>;
  /** Every HTTP request in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** The CA database: every request the CA received. */
  readonly caRequests: readonly CaRequestRecord[];
  /** A CA manager issues a pending request. */
  issuePending(reqId: number): Promise<void>;
  /** A CA manager denies a pending request (disposition "Denied by <manager>", 0x80094014). */
  denyPending(reqId: number, manager?: string): void;
  close(): Promise<void>;
}

export const DEFAULT_ACCOUNT: EmulatorAccount = { user: 'capf-enroll', password: 'Enr0ll-Secret!' };
export const DEFAULT_TEMPLATE = 'CiscoPhoneLSC';
const MAX_FORM_BYTES = 65_536;

function defaultMode(options: CertsrvEmulatorOptions): CertsrvEmulatorMode {
  return {
    locale: options.locale ?? 'en',
    tlsCertificate: options.tlsCertificate ?? 'valid',
    authSchemes: options.authSchemes ?? ['Negotiate', 'NTLM'],
    challengeHeaders: options.challengeHeaders ?? 'per-scheme',
    requireChannelBinding: options.requireChannelBinding ?? false,
    templates: options.templates ?? [{ name: DEFAULT_TEMPLATE, displayName: 'Cisco Phone LSC' }],
    latencyMs: options.latencyMs ?? {},
    resetConnections: options.resetConnections ?? 'never',
    caServiceStopped: options.caServiceStopped ?? false,
    internalServerError: options.internalServerError ?? false,
    transientServerErrors: options.transientServerErrors ?? { count: 0 },
    stripSetCookie: options.stripSetCookie ?? false,
    pendingPageWithoutRequestId: options.pendingPageWithoutRequestId ?? false,
    pagePaddingBytes: options.pagePaddingBytes ?? 0,
  };
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return cookies;
}

function lowerKeys(params: URLSearchParams): Map<string, string> {
  const map = new Map<string, string>();
  for (const [key, value] of params) map.set(key.toLowerCase(), value);
  return map;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_FORM_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function resetSocket(socket: Socket): void {
  // A TCP RST where the handle allows it (the client sees ECONNRESET); a plain close otherwise.
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export async function startCertsrvEmulator(options: CertsrvEmulatorOptions = {}): Promise<CertsrvEmulator> {
  const hostname = options.hostname ?? 'adcs.corp.capf.test';
  const caName = options.caName ?? 'CORP Issuing CA';
  const names: DirectoryNames = {
    netbiosDomain: options.netbiosDomain ?? 'CORP',
    dnsDomain: options.dnsDomain ?? 'corp.capf.test',
    netbiosComputer: hostname.split('.')[0]!.toUpperCase(),
    dnsComputer: hostname,
  };
  const accounts = options.accounts ?? [DEFAULT_ACCOUNT];
  const mode = defaultMode(options);
  const ca = await EmulatorCa.create(caName, hostname);
  const db = new CaDatabase(options.firstRequestId);
  const requests: RecordedRequest[] = [];
  const connections = new WeakMap<Socket, ConnectionAuthState>();
  // Pending delays: close() ends them early so no request handler outlives the server.
  const timers = new Map<NodeJS.Timeout, () => void>();
  const sessionCookie = `ASPSESSIONID${randomBytes(4).toString('hex').toUpperCase()}=${randomBytes(12).toString('hex').toUpperCase()}; secure; path=/`;
  let connectionCount = 0;
  let tls = await ca.tlsMaterial(mode.tlsCertificate);

  const sleep = (ms: number | undefined): Promise<void> => {
    if (!ms) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.set(timer, resolve);
    });
  };

  const send = (res: ServerResponse, status: number, contentType: string, body: string | Buffer, extra: Record<string, string | string[]> = {}): void => {
    if (res.destroyed) return;
    if (mode.stripSetCookie) delete extra['Set-Cookie'];
    res.writeHead(status, {
      'Content-Type': contentType.startsWith('text/') ? `${contentType}; charset=utf-8` : contentType,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'private',
      Server: 'Microsoft-IIS/10.0',
      'X-Powered-By': 'ASP.NET',
      ...extra,
    });
    res.end(body);
  };

  const challengeHeaders = (): string | string[] => {
    const challenges = mode.authSchemes.map((s) => (s === 'Basic' ? `Basic realm="${hostname}"` : s));
    return mode.challengeHeaders === 'one-line' ? challenges.join(', ') : challenges;
  };

  /** IIS authentication; returns the user, or undefined once a 401 has been sent. */
  const authenticate = async (req: IncomingMessage, res: ServerResponse, state: ConnectionAuthState, record: RecordedRequest): Promise<string | undefined> => {
    const header = req.headers.authorization ?? '';
    const [rawScheme = '', token = ''] = header.split(/\s+/, 2);
    const scheme = mode.authSchemes.find((s) => s.toLowerCase() === rawScheme.toLowerCase());
    const deny = (reason: string): undefined => {
      record.authFailure = reason;
      record.status = 401;
      delete state.ntlm;
      send(res, 401, 'text/html', iisUnauthorizedPage(), { 'WWW-Authenticate': challengeHeaders() });
      return undefined;
    };
    if (!header) {
      if (state.user) return (record.user = state.user);
      return deny('no credentials');
    }
    if (!scheme) return deny(`scheme ${rawScheme} not offered`);
    record.authScheme = scheme;
    await sleep(mode.latencyMs.auth);
    if (scheme === 'Basic') {
      const check = checkBasic(accounts, names, token);
      return check.ok ? (record.user = check.user) : deny(check.reason);
    }
    const message = Buffer.from(token, 'base64');
    if (message.length > 8192 || message.subarray(0, 8).toString('latin1') !== 'NTLMSSP\0') return deny(`${scheme} token is not NTLMSSP (Kerberos is not emulated)`);
    const type = message.length >= 12 ? message.readUInt32LE(8) : 0;
    if (type === 1) {
      try {
        const { challenge, serverChallenge } = createNtlmChallenge(names, message);
        state.ntlm = { scheme, negotiate: message, challenge, serverChallenge };
        record.status = 401;
        send(res, 401, 'text/html', iisUnauthorizedPage(), { 'WWW-Authenticate': `${scheme} ${challenge.toString('base64')}` });
        return undefined;
      } catch (err) {
        return deny((err as Error).message);
      }
    }
    if (type !== 3 || !state.ntlm) return deny('AUTHENTICATE without a NEGOTIATE on this connection');
    const certificate = (req.socket as TLSSocket).getCertificate();
    const check = verifyNtlmAuthenticate({
      accounts,
      names,
      ...state.ntlm,
      authenticate: message,
      channelBindingData: serverEndPointBinding(certificate && 'raw' in certificate ? certificate.raw : Buffer.alloc(0)),
      requireChannelBinding: mode.requireChannelBinding,
    });
    if (!check.ok) return deny(check.reason);
    delete state.ntlm;
    state.user = check.user;
    return (record.user = check.user);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const socket = req.socket;
    const state = connections.get(socket) ?? { id: ++connectionCount };
    connections.set(socket, state);
    const url = new URL(req.url ?? '/', `https://${hostname}`);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) headers[key] = Array.isArray(value) ? value.join(', ') : (value ?? '');
    if (/^basic /i.test(headers.authorization ?? '')) headers.authorization = 'Basic <redacted>';
    const record: RecordedRequest = {
      connectionId: state.id,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      form: {},
      status: 200,
    };
    requests.push(record);
    const body = await readBody(req);
    if (!body) {
      record.status = 413;
      send(res, 413, 'text/html', iisErrorPage('413 - Request Entity Too Large', 'The page was not displayed because the request entity is too large.'), { Connection: 'close' });
      return;
    }
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams();
    record.form = Object.fromEntries(form);
    if (mode.resetConnections === 'always') return resetSocket(socket);
    const user = await authenticate(req, res, state, record);
    if (!user) return;
    const path = url.pathname.toLowerCase();
    if (mode.resetConnections === 'on-submit' && path === '/certsrv/certfnsh.asp') return resetSocket(socket);
    let result: RouteResult;
    const transient = mode.transientServerErrors;
    const failNow = transient.count > 0 && (transient.path === undefined || transient.path.toLowerCase() === path);
    if (failNow) transient.count -= 1;
    if (mode.internalServerError || failNow) {
      record.status = 500;
      return send(res, 500, 'text/html', iisErrorPage('500 - Internal server error.', 'There is a problem with the resource you are looking for, and it cannot be displayed.'));
    }
    try {
      result = await route(path, {
        s: CERTSRV_STRINGS[mode.locale],
        caName,
        ca,
        db,
        templates: mode.templates,
        caServiceStopped: mode.caServiceStopped,
        pendingPageWithoutRequestId: mode.pendingPageWithoutRequestId,
        user,
        method: record.method,
        query: lowerKeys(url.searchParams),
        form: lowerKeys(form),
        cookies: parseCookies(req.headers.cookie),
      });
    } catch (err) {
      result = { status: 500, contentType: 'text/html', body: iisErrorPage('500 - Internal server error.', (err as Error).message), phase: 'page' };
    }
    await sleep(result.phase === 'submit' ? mode.latencyMs.submit : result.phase === 'retrieve' ? mode.latencyMs.retrieve : undefined);
    record.status = result.status;
    const payload = mode.pagePaddingBytes && result.contentType === 'text/html' ? `${String(result.body)}<!-- ${'-'.repeat(mode.pagePaddingBytes)} -->` : result.body;
    send(res, result.status, result.contentType, payload, { 'Set-Cookie': [sessionCookie, ...(result.setCookies ?? [])] });
  };

  const server: Server = createServer({ key: tls.privateKeyPem, cert: tls.certificatePem }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/html', iisErrorPage('500 - Internal server error.', String(err)));
    });
  });
  server.keepAliveTimeout = 120_000; // IIS connectionTimeout default: two minutes
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `https://${hostname}:${port}/certsrv/`,
    hostname,
    port,
    address: '127.0.0.1',
    caCertificatePem: ca.certificatePem,
    get tlsCertificatePem() {
      return tls.certificatePem;
    },
    get mode() {
      return mode;
    },
    async setMode(change) {
      if (change.tlsCertificate && change.tlsCertificate !== mode.tlsCertificate) {
        tls = await ca.tlsMaterial(change.tlsCertificate);
        server.setSecureContext({ key: tls.privateKeyPem, cert: tls.certificatePem });
      }
      Object.assign(mode, change);
    },
    requests,
    caRequests: db.records,
    async issuePending(reqId) {
      const record = db.pending(reqId);
      await issueRecord({ ca, templates: mode.templates }, record, record.csr!);
    },
    denyPending(reqId, manager = `${names.netbiosDomain}\\ca-manager`) {
      const record = db.pending(reqId);
      record.status = 'denied';
      record.deniedBy = manager;
      record.hresult = 'CERTSRV_E_ADMIN_DENIED_REQUEST';
    },
    async close() {
      for (const [timer, resolve] of timers) {
        clearTimeout(timer);
        resolve();
      }
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
