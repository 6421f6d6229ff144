// Reads certsrv HTML without depending on its language (docs/online-ca.md §2.9): the certnew.cer?ReqID=N link, the
// "Requests" cookie certsrv sets for a pending request, the locDenied / locDispLabel / locDispMsgLabel element ids,
// hex HRESULTs and the nRenewals script variable. Localized sentences are only ever quoted back, never matched.

export interface CertsrvPageFacts {
  /** From a `certnew.cer?ReqID=N&...` link: the certificate is ready. */
  issuedReqId?: number;
  /**
   * A request id the page names without a certificate link: the `Requests` cookie certsrv sets when it keeps a
   * request pending, else a `ReqID=N` parameter (chkpnd link or form field), else the number certsrv writes between
   * the two localized halves of its "request id" sentence (the markup, not the words: a proxy may strip the cookie).
   */
  savedReqId?: number;
  /** The page is certsrv's "request received, waiting for a manager" page (its element ids, any language). */
  pendingPage: boolean;
  /** The page carries the `locDenied` element of the "request denied" page. */
  denied: boolean;
  /** The first failure HRESULT (0x8xxxxxxx) on the page. */
  failureHresult?: number;
  /** The numeric MS-WCCE disposition of the "Error" page (2 denied, 3 issued, 5 under submission, 6 revoked). */
  disposition?: number;
  /** The CA's disposition message (in the CA's language), or the text around the HRESULT. */
  dispositionMessage?: string;
  /** `var nRenewals=k;` of certcarc.asp. */
  renewals?: number;
  /** Title and start of the visible text, for refusals of pages nobody recognises. */
  excerpt: string;
}

// AD CS request ids are 32-bit unsigned: up to 10 digits, at most 4294967295.
const ISSUED_LINK = /certnew\.cer\?ReqID=(\d{1,10})(?:&amp;|&)/i;
const REQUEST_ID_PARAMETER = /[?&;]ReqID=(\d{1,10})\b|\bName\s*=\s*["']?ReqID["']?\s+Value\s*=\s*["']?(\d{1,10})\b/i;
/** `<LocID ID=locReqIdBefore>Your Request Id is </LocID>N<LocID ID=locReqIdAfter>.</LocID>`: N is not localized. */
const REQUEST_ID_MARKUP = /\bID\s*=\s*["']?locReqIdBefore\b[^>]*>[^<]{0,500}<\/LocID\s*>\s*(\d{1,10})\s*</i;
const PENDING_PAGE = /\bID\s*=\s*["']?loc(?:InfoReqRecvd|StillPending)\b/i;
export const MAX_REQUEST_ID = 0xffff_ffff;
const HRESULT = /\b0x(8[0-9a-f]{7})\b/i;
const RENEWALS = /\bvar\s+nRenewals\s*=\s*(\d{1,4})\s*;/;
const MAX_TEXT = 300;
// How far after a label element its value may sit.
const LABEL_WINDOW = 2000;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,6});/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Math.min(parseInt(name.slice(2), 16), 0x10ffff));
      if (name.startsWith('#')) return String.fromCodePoint(Math.min(Number(name.slice(1)), 0x10ffff));
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** A request id as AD CS numbers them, or undefined for anything outside 1..4294967295. */
export function requestId(digits: string | undefined): number | undefined {
  if (digits === undefined) return undefined;
  const value = Number(digits);
  return Number.isInteger(value) && value >= 1 && value <= MAX_REQUEST_ID ? value : undefined;
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/** The index just after the element whose ID attribute is `id`, or -1. */
function afterElementId(html: string, id: string): number {
  const match = new RegExp(`\\bID\\s*=\\s*["']?${id}\\b[^>]*>`, 'i').exec(html);
  return match ? match.index + match[0].length : -1;
}

/** The <DD> value that follows a <DT ID=...> label of the "Error" page's definition list. */
function definitionValue(html: string, labelId: string): string | undefined {
  const start = afterElementId(html, labelId);
  if (start < 0) return undefined;
  const window = html.slice(start, start + LABEL_WINDOW);
  const open = window.search(/<DD>/i);
  if (open < 0) return undefined;
  const rest = window.slice(open + 4);
  const close = rest.search(/<\/DD>|<DT\b/i);
  return htmlToText(close < 0 ? rest : rest.slice(0, close));
}

/**
 * The text of the paragraph (or line) holding position `at`: where a denial page puts its disposition message. The
 * localized words around the message sit in <LocID> elements; what is outside them is the CA's own text.
 */
function paragraphAround(html: string, at: number): string {
  const before = html.slice(Math.max(0, at - LABEL_WINDOW), at);
  const start = Math.max(before.lastIndexOf('<P'), before.lastIndexOf('<p'), before.lastIndexOf('\n'));
  const after = html.slice(at, at + LABEL_WINDOW);
  const endMatch = /<P\b|<\/P>|\n/i.exec(after);
  const paragraph = before.slice(start < 0 ? 0 : start) + after.slice(0, endMatch ? endMatch.index : after.length);
  const unlocalized = htmlToText(paragraph.replace(/<LocID\b[^>]*>[\s\S]*?<\/LocID>/gi, ' '));
  return unlocalized || htmlToText(paragraph);
}

function savedRequestId(setCookies: readonly string[]): number | undefined {
  for (const cookie of setCookies) {
    const match = /^\s*Requests=([^;]{0,4096})/i.exec(cookie);
    if (!match) continue;
    let value = match[1]!.replace(/\+/g, ' ');
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the raw value: the brackets and digits are still readable
    }
    const ids = [...value.matchAll(/\[(\d{1,10}),/g)].map((m) => requestId(m[1])).filter((id) => id !== undefined);
    if (ids.length) return ids[ids.length - 1];
  }
  return undefined;
}

export function readCertsrvPage(html: string, setCookies: readonly string[] = []): CertsrvPageFacts {
  const facts: CertsrvPageFacts = { denied: afterElementId(html, 'locDenied') >= 0, pendingPage: PENDING_PAGE.test(html), excerpt: '' };
  const issued = requestId(ISSUED_LINK.exec(html)?.[1]);
  if (issued !== undefined) facts.issuedReqId = issued;
  const parameter = REQUEST_ID_PARAMETER.exec(html);
  const saved = savedRequestId(setCookies) ?? requestId(parameter?.[1] ?? parameter?.[2]) ?? requestId(REQUEST_ID_MARKUP.exec(html)?.[1]);
  if (saved !== undefined) facts.savedReqId = saved;
  const disposition = definitionValue(html, 'locDispLabel')?.match(/^\d{1,3}\b/);
  if (disposition) facts.disposition = Number(disposition[0]);
  const hresult = HRESULT.exec(html);
  if (hresult) facts.failureHresult = parseInt(hresult[1]!, 16);
  const message = definitionValue(html, 'locDispMsgLabel') || (hresult ? paragraphAround(html, hresult.index) : '');
  if (message) facts.dispositionMessage = clip(message);
  const renewals = RENEWALS.exec(html);
  if (renewals) facts.renewals = Number(renewals[1]);
  const title = /<title>([\s\S]{0,500}?)<\/title>/i.exec(html)?.[1];
  const body = /<body\b[^>]*>([\s\S]*)$/i.exec(html)?.[1] ?? html;
  facts.excerpt = clip(htmlToText(`${title ? `${title}: ` : ''}${body.slice(0, 20_000)}`));
  return facts;
}
