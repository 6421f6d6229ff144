// Failure classification for the online Microsoft CA (docs/online-ca.md §3). Internally every failure is a
// MicrosoftCaError with a stable code; MicrosoftCaIssuer turns it into an IssueResult 'refused' whose reason tells an
// administrator what to change. Codes in RETRYABLE_MICROSOFT_CA_CODES are transient: the same request may succeed
// later, so a caller may retry them (bounded) instead of failing the device's operation for good.
import { IssuerError } from '../../errors.ts';

export type MicrosoftCaCode =
  | 'CSR_REQUIRED'
  | 'BAD_CSR'
  | 'CSR_KEY_MISMATCH'
  | 'KEY_ALGORITHM_UNSUPPORTED'
  | 'AUTH_FAILED'
  | 'AUTH_SCHEME_UNSUPPORTED'
  | 'AUTH_CONNECTION_LOST'
  | 'TEMPLATE_UNKNOWN'
  | 'PERMISSION_DENIED'
  | 'DENIED_BY_POLICY'
  | 'DENIED_BY_ADMIN'
  | 'REVOKED'
  | 'NOT_FOUND'
  | 'CA_UNAVAILABLE'
  | 'CA_ERROR'
  | 'HOSTNAME_MISMATCH'
  | 'UNTRUSTED_CA'
  | 'TLS_CERT_DATES'
  | 'TLS_FAILED'
  | 'DNS_FAILURE'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_RESET'
  | 'TIMEOUT'
  | 'RESPONSE_TOO_LARGE'
  | 'HTTP_ERROR'
  | 'SERVER_ERROR'
  | 'BAD_RESPONSE'
  | 'REQUEST_ID_MISSING'
  | 'KEY_USAGE_MISSING'
  | 'PUBLIC_KEY_MISMATCH'
  | 'CERTIFICATE_NOT_VALID'
  | 'CHAIN_INVALID'
  | 'BAD_HANDLE';

/** Transient conditions: nothing about the request or the configuration is wrong. */
export const RETRYABLE_MICROSOFT_CA_CODES: ReadonlySet<string> = new Set<MicrosoftCaCode>([
  'CA_UNAVAILABLE',
  'DNS_FAILURE',
  'CONNECTION_REFUSED',
  'CONNECTION_RESET',
  'TIMEOUT',
]);

export class MicrosoftCaError extends IssuerError {
  declare readonly code: MicrosoftCaCode;

  constructor(message: string, code: MicrosoftCaCode, options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

// OpenSSL verification results that mean "the chain does not lead to a CAPF-trust certificate".
const UNTRUSTED_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'INVALID_CA',
]);

/** Maps a socket, TLS or DNS error of the HTTPS exchange with `host` to a classified MicrosoftCaError. */
export function classifyTransportError(err: unknown, host: string, port: number): MicrosoftCaError {
  if (err instanceof MicrosoftCaError) return err;
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e.code ?? '';
  const site = `https://${host}:${port}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new MicrosoftCaError(
      `the HTTPS certificate of ${site} does not name ${host} (${e.reason ?? e.message}); the Online CA hostname must equal the CN/SAN of the IIS certificate: fix the hostname or re-issue the IIS certificate`,
      'HOSTNAME_MISMATCH',
      { cause: err },
    );
  }
  if (UNTRUSTED_CODES.has(code)) {
    return new MicrosoftCaError(
      `the HTTPS certificate of ${site} does not chain to a CAPF-trust certificate (${code}); upload the CA that issued the IIS certificate (and any intermediate) to CAPF-trust, or replace a self-signed IIS certificate`,
      'UNTRUSTED_CA',
      { cause: err },
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID' || code === 'CRL_HAS_EXPIRED') {
    return new MicrosoftCaError(`the HTTPS certificate of ${site} is outside its validity (${code}); renew it and check the server clock`, 'TLS_CERT_DATES', { cause: err });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new MicrosoftCaError(`cannot resolve ${host} (${code}); check DNS for the Online CA hostname`, 'DNS_FAILURE', { cause: err });
  }
  if (code === 'ECONNREFUSED') {
    return new MicrosoftCaError(`${site} refused the connection; check that IIS listens on port ${port}`, 'CONNECTION_REFUSED', { cause: err });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(e.message ?? '')) {
    return new MicrosoftCaError(
      `${site} closed the connection before answering; if this was the submission, the CA may have recorded the request: check its Issued/Pending/Failed requests before retrying`,
      'CONNECTION_RESET',
      { cause: err },
    );
  }
  if (code === 'ETIMEDOUT') {
    return new MicrosoftCaError(`connecting to ${site} timed out (${code})`, 'TIMEOUT', { cause: err });
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO') {
    return new MicrosoftCaError(`TLS with ${site} failed (${code}): ${e.message}`, 'TLS_FAILED', { cause: err });
  }
  return new MicrosoftCaError(`talking to ${site} failed: ${code ? `${code} ` : ''}${e.message ?? String(err)}`, 'BAD_RESPONSE', { cause: err });
}
