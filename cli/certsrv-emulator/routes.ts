// The certsrv endpoints of docs/online-ca.md §4.3, after IIS has authenticated the request.
import type * as x509 from '@peculiar/x509';
import { parseSubmittedCsr, rsaKeyBits, type EmulatorCa } from './ca.ts';
import { CaDatabase, dispositionCode, dispositionMessage, lastStatus, successStatus, type CaRequestRecord } from './database.ts';
import { formatHresult, type CertsrvStrings } from './locales.ts';
import {
  advancedRequestPage,
  caDownloadPage,
  deniedPage,
  errorPage,
  iisErrorPage,
  issuedPage,
  pendingListPage,
  pendingPage,
  welcomePage,
} from './pages.ts';

export interface EmulatorTemplate {
  /** The template's name (what CertAttrib carries), not its display name. */
  name: string;
  displayName?: string;
  /** 'pending' makes the CA wait for a manager (CA certificate manager approval). Default 'issue'. */
  outcome?: 'issue' | 'pending';
  /** false issues certificates with digitalSignature only: the misconfigured template CUCM rejects. Default true. */
  keyEncipherment?: boolean;
  /** sAMAccountNames with Enroll permission; everyone when omitted. */
  enrollees?: string[];
  /** The policy module denies RSA keys below this size (CERTSRV_E_KEY_LENGTH). Default 2048. */
  minimumKeyBits?: number;
  validityDays?: number;
}

export interface RouteContext {
  s: CertsrvStrings;
  caName: string;
  ca: EmulatorCa;
  db: CaDatabase;
  templates: EmulatorTemplate[];
  caServiceStopped: boolean;
  /** Leave the request-id line out of the pending page. */
  pendingPageWithoutRequestId: boolean;
  /** `CORP\user` of the authenticated request. */
  user: string;
  method: string;
  query: Map<string, string>;
  form: Map<string, string>;
  cookies: Map<string, string>;
}

export interface RouteResult {
  status: number;
  contentType: string;
  body: string | Buffer;
  setCookies?: string[];
  /** Which latency knob applies. */
  phase: 'page' | 'submit' | 'retrieve';
}

const HTML = 'text/html';

function html(body: string, phase: RouteResult['phase'] = 'page', setCookies?: string[]): RouteResult {
  return { status: 200, contentType: HTML, body, phase, ...(setCookies ? { setCookies } : {}) };
}

function pem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\r\n${lines.join('\r\n')}\r\n-----END ${label}-----\r\n`;
}

/** The template name from CertAttrib: `Name:Value` pairs separated by CR/LF, names case-insensitive. */
function templateFromAttributes(attributes: string): string | undefined {
  for (const line of attributes.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'certificatetemplate') return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** Classic ASP cookie encoding: space as '+', every other non-alphanumeric byte as %XX (so '-' is %2D). */
function aspCookieEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      if (/[A-Za-z0-9]/.test(c)) return c;
      return byte === 0x20 ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function accountName(user: string): string {
  return user.slice(user.indexOf('\\') + 1).toLowerCase();
}

function serviceStoppedPage(ctx: RouteContext, mode: 'fetch' | 'newreq' | 'chkpnd'): RouteResult {
  const status = `${ctx.s.hresultText.RPC_S_SERVER_UNAVAILABLE} ${formatHresult('RPC_S_SERVER_UNAVAILABLE')}`;
  return html(
    errorPage(ctx.s, ctx.caName, { mode, dispositionMessage: '', result: status, lastStatus: status, unexpected: ctx.s.serviceNotStarted }),
    mode === 'fetch' ? 'retrieve' : 'submit',
  );
}

export async function issueRecord(ctx: Pick<RouteContext, 'ca' | 'templates'>, record: CaRequestRecord, csr: x509.Pkcs10CertificateRequest): Promise<void> {
  const template = ctx.templates.find((t) => t.name.toLowerCase() === record.template.toLowerCase());
  record.certificate = await ctx.ca.issue(csr, {
    templateName: template?.name ?? record.template,
    validityDays: template?.validityDays ?? 365,
    keyEncipherment: template?.keyEncipherment ?? true,
  });
  record.status = 'issued';
}

function resultPage(ctx: RouteContext, record: CaRequestRecord, stillPending: boolean): RouteResult {
  switch (record.status) {
    case 'issued':
      return html(issuedPage(ctx.s, ctx.caName, record.reqId), 'submit');
    case 'pending': {
      // certsrv remembers pending requests in the browser's "Requests" cookie, for certckpn.asp.
      const saved = `[${record.reqId},0,yes,Saved-Request Certificate (${record.submittedAt.toISOString().slice(0, 19).replace('T', '  ')})]`;
      const cookie = `Requests=${aspCookieEncode(saved)}; path=/certsrv`;
      return html(pendingPage(ctx.s, ctx.caName, ctx.pendingPageWithoutRequestId ? undefined : record.reqId, stillPending), 'submit', stillPending ? undefined : [cookie]);
    }
    case 'denied':
      return html(deniedPage(ctx.s, ctx.caName, record.reqId, dispositionMessage(ctx.s, record)), 'submit');
    default:
      return html(
        errorPage(ctx.s, ctx.caName, {
          mode: stillPending ? 'chkpnd' : 'newreq',
          disposition: dispositionCode(record),
          dispositionMessage: dispositionMessage(ctx.s, record),
          result: lastStatus(ctx.s, record),
          lastStatus: lastStatus(ctx.s, record),
          unexpected: dispositionMessage(ctx.s, record),
        }),
        'submit',
      );
  }
}

async function submit(ctx: RouteContext): Promise<RouteResult> {
  if (ctx.caServiceStopped) return serviceStoppedPage(ctx, 'newreq');
  const template = templateFromAttributes(ctx.form.get('certattrib') ?? '') ?? '';
  const csr = parseSubmittedCsr(ctx.form.get('certrequest') ?? '');
  const base = { template, requester: ctx.user };
  if (!csr) return resultPage(ctx, ctx.db.add({ ...base, status: 'failed', hresult: 'CRYPT_E_ASN1_BADTAG' }), false);
  if (!(await csr.verify())) return resultPage(ctx, ctx.db.add({ ...base, csr, status: 'failed', hresult: 'NTE_BAD_SIGNATURE' }), false);
  const profile = ctx.templates.find((t) => t.name.toLowerCase() === template.toLowerCase());
  const deny = (hresult: CaRequestRecord['hresult']): RouteResult => resultPage(ctx, ctx.db.add({ ...base, csr, status: 'denied', hresult }), false);
  if (!profile) return deny('CERTSRV_E_UNSUPPORTED_CERT_TYPE');
  if (profile.enrollees && !profile.enrollees.some((e) => e.toLowerCase() === accountName(ctx.user))) return deny('CERTSRV_E_TEMPLATE_DENIED');
  const bits = rsaKeyBits(csr);
  if (bits !== undefined && bits < (profile.minimumKeyBits ?? 2048)) return deny('CERTSRV_E_KEY_LENGTH');
  const record = ctx.db.add({ ...base, template: profile.name, csr, status: 'pending' });
  if ((profile.outcome ?? 'issue') === 'issue') await issueRecord(ctx, record, csr);
  return resultPage(ctx, record, false);
}

function checkPending(ctx: RouteContext): RouteResult {
  if (ctx.caServiceStopped) return serviceStoppedPage(ctx, 'chkpnd');
  const record = ctx.db.get(Number(ctx.form.get('reqid') ?? ctx.query.get('reqid')));
  if (!record) return notFound(ctx, 'chkpnd');
  return resultPage(ctx, record, true);
}

function notFound(ctx: RouteContext, mode: 'fetch' | 'chkpnd'): RouteResult {
  const status = `${ctx.s.hresultText.CERTSRV_E_PROPERTY_EMPTY} ${formatHresult('CERTSRV_E_PROPERTY_EMPTY')}`;
  return html(errorPage(ctx.s, ctx.caName, { mode, dispositionMessage: '', result: status, lastStatus: status }), 'retrieve');
}

function certificateResponse(ctx: RouteContext, der: Uint8Array, kind: 'cer' | 'p7b'): RouteResult {
  const base64 = (ctx.query.get('enc') ?? 'bin').toLowerCase() === 'b64';
  // certnew.p7b in base64 comes in CERTIFICATE armour although it is PKCS#7: a real certsrv quirk.
  const body = base64 ? pem('CERTIFICATE', der) : Buffer.from(der);
  return { status: 200, contentType: kind === 'cer' ? 'application/pkix-cert' : 'application/x-pkcs7-certificates', body, phase: 'retrieve' };
}

function fetchCertificate(ctx: RouteContext, kind: 'cer' | 'p7b'): RouteResult {
  if (ctx.caServiceStopped) return serviceStoppedPage(ctx, 'fetch');
  const reqId = ctx.query.get('reqid') ?? '';
  if (reqId.toLowerCase() === 'cacert') {
    if (Number(ctx.query.get('renewal') ?? '0') !== 0) return notFound(ctx, 'fetch');
    return certificateResponse(ctx, kind === 'cer' ? ctx.ca.certificateDer : ctx.ca.chainPkcs7(), kind);
  }
  const record = /^\d{1,10}$/.test(reqId) ? ctx.db.get(Number(reqId)) : undefined;
  if (!record) return notFound(ctx, 'fetch');
  if (record.status === 'issued' && record.certificate) {
    const der = kind === 'cer' ? new Uint8Array(record.certificate.rawData) : ctx.ca.chainPkcs7([record.certificate]);
    return certificateResponse(ctx, der, kind);
  }
  const page = errorPage(ctx.s, ctx.caName, {
    mode: 'fetch',
    disposition: dispositionCode(record),
    dispositionMessage: dispositionMessage(ctx.s, record),
    result: successStatus(ctx.s),
    lastStatus: lastStatus(ctx.s, record),
  });
  return html(page, 'retrieve');
}

function pendingList(ctx: RouteContext): RouteResult {
  const saved = decodeURIComponent((ctx.cookies.get('requests') ?? '').replace(/\+/g, ' '));
  const entries = [...saved.matchAll(/\[(\d+),[^,]*,[^,]*,([^\]]*)\]/g)].map((m) => ({ reqId: Number(m[1]), label: m[2] ?? '' }));
  return html(pendingListPage(ctx.s, ctx.caName, entries));
}

/** Dispatches an authenticated request; paths are case-insensitive, as on IIS. */
export async function route(path: string, ctx: RouteContext): Promise<RouteResult> {
  switch (path) {
    case '/certsrv':
    case '/certsrv/':
    case '/certsrv/default.asp':
      return html(welcomePage(ctx.s, ctx.caName));
    case '/certsrv/certrqxt.asp':
      return html(
        advancedRequestPage(
          ctx.s,
          ctx.caName,
          ctx.templates.map((t) => ({ name: t.name, displayName: t.displayName ?? t.name, minimumKeyBits: t.minimumKeyBits ?? 2048 })),
        ),
      );
    case '/certsrv/certfnsh.asp': {
      const mode = (ctx.form.get('mode') ?? ctx.query.get('mode') ?? '').toLowerCase();
      if (mode === 'newreq' && ctx.method === 'POST') return submit(ctx);
      if (mode === 'chkpnd') return checkPending(ctx);
      return html(errorPage(ctx.s, ctx.caName, { mode: 'newreq', dispositionMessage: '', result: '', lastStatus: '', unexpected: `Mode=${mode}` }));
    }
    case '/certsrv/certnew.cer':
      return fetchCertificate(ctx, 'cer');
    case '/certsrv/certnew.p7b':
      return fetchCertificate(ctx, 'p7b');
    case '/certsrv/certcarc.asp':
      if (ctx.caServiceStopped) return serviceStoppedPage(ctx, 'fetch');
      return html(caDownloadPage(ctx.s, ctx.caName, 0));
    case '/certsrv/certckpn.asp':
      return pendingList(ctx);
    default:
      return {
        status: 404,
        contentType: HTML,
        body: iisErrorPage('404 - File or directory not found.', 'The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.'),
        phase: 'page',
      };
  }
}
