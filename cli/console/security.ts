// What keeps `capf console` to the one person who started it: a session token made at each start (printed in the
// console's URL, exchanged once for an HttpOnly SameSite=Strict cookie), a Host check against DNS rebinding, strict
// response headers (a CSP without inline scripts, no framing, no referrer), and CSRF protection on every state-changing
// request (same Origin, same-origin fetch metadata, and a header carrying a token derived from the session token that
// only the console's own pages can read).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Headers on every answer of the console, pages and API alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  'cache-control': 'no-store',
};

export const CSRF_HEADER = 'x-capf-csrf';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export class ConsoleSession {
  /** 32 random bytes, base64url: the capability the printed URL carries. */
  readonly token: string;
  /** Sent back in the CSRF header by the console's own scripts (they read it from /session). */
  readonly csrf: string;
  readonly cookieName: string;

  constructor(port: number, token: string = randomBytes(32).toString('base64url')) {
    if (!TOKEN_PATTERN.test(token)) throw new RangeError('a console session token is 32 bytes in base64url');
    this.token = token;
    this.csrf = createHmac('sha256', token).update('capf-console-csrf').digest('base64url');
    // Cookies are not kept apart by port: two consoles on one machine each have their own name.
    this.cookieName = `capf_console_${port}`;
  }

  /** The Set-Cookie value that carries the session: HttpOnly, SameSite=Strict, for this console's paths. */
  cookie(): string {
    return `${this.cookieName}=${this.token}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** True when `given` (from the URL or the cookie) is this session's token. */
  matches(given: string | undefined): boolean {
    return given !== undefined && equal(given, this.token);
  }

  /** The session token of the request's cookie header, if any. */
  fromCookie(header: string | undefined): string | undefined {
    if (!header) return undefined;
    for (const part of header.split(';')) {
      const at = part.indexOf('=');
      if (at < 0) continue;
      if (part.slice(0, at).trim() === this.cookieName) return part.slice(at + 1).trim();
    }
    return undefined;
  }

  /** Why a state-changing request is refused as cross-site, or undefined when it may go on. */
  csrfRefusal(headers: IncomingHttpHeaders, origin: string): string | undefined {
    if (headers.origin !== origin) return `the request's Origin (${String(headers.origin ?? 'none').slice(0, 100)}) is not the console's`;
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return `the request comes from another site (Sec-Fetch-Site: ${String(site).slice(0, 40)})`;
    const given = headers[CSRF_HEADER];
    if (typeof given !== 'string' || !equal(given, this.csrf)) return `the request has no valid ${CSRF_HEADER} header`;
    return undefined;
  }
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when the Host header names this console (127.0.0.1 or localhost on its port): a rebinding name is refused. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}
