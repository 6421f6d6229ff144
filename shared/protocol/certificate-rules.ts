// Issue 10: which presented certificates may authenticate a phone. An LSC (a certificate one of our LSC issuers
// signed) must be the device's current installed LSC, serial and fingerprint equal to the device record's, and within
// its validity; any other LSC is refused with the reason its issuance record gives. A MIC (or SUDI, or a certificate of
// another CA an administrator put in CAPF-trust) must chain to CAPF-trust and be within its validity, with a clock
// skew; an expired MIC passes only when the acceptExpiredMic parameter says so. Pure: the time comes in.
import { AuthenticationError, CapfError } from '../errors.ts';
import type { Device } from '../model.ts';
import type { IssuanceState } from '../ports/index.ts';
import { describeCertificate } from '../pki/certificate.ts';
import { verifyIssuedBy } from '../pki/chain.ts';

/** What the device's issuance records say about one certificate the CAPF issued for it. */
export interface IssuedCertificateFact {
  serialHex: string;
  sha256Fingerprint: string;
  state: IssuanceState;
}

export interface CertificateRules {
  /** CAPF-trust: the CAPF CA and every CA an administrator trusts (MIC roots). */
  trustAnchorsDer: readonly Uint8Array[];
  /** The CAs that issued the device's LSCs (its issuance records' chains): a certificate they signed is an LSC. */
  lscIssuersDer?: readonly Uint8Array[];
  /** The certificates issued for the device, from its issuance records. */
  issuedCertificates?: readonly IssuedCertificateFact[];
  /** Tolerance on both validity dates; default 5 minutes. */
  clockSkewMs?: number;
  /** Accept a MIC past its notAfter (fleets whose older manufacturing certificates have expired). */
  acceptExpiredMic?: boolean;
  now?: Date;
}

export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

/** Why a once-installed LSC no longer authenticates, by the state of its issuance record. */
const STALE_LSC: Partial<Record<IssuanceState, { code: string; why: string }>> = {
  superseded: { code: 'LSC_SUPERSEDED', why: 'was superseded by a newer LSC' },
  installed: { code: 'LSC_SUPERSEDED', why: 'is no longer the LSC the device record holds' },
  deleted: { code: 'LSC_DELETED', why: 'was deleted from the phone' },
  expired: { code: 'LSC_EXPIRED', why: 'has expired' },
  revoked: { code: 'LSC_REVOKED', why: 'was revoked' },
};

/**
 * Judges the presented certificate (`what` names it in messages): returns 'lsc' or 'mic', or throws AuthenticationError
 * whose code names the reason (LSC_SUPERSEDED, LSC_DELETED, LSC_EXPIRED, LSC_NOT_YET_VALID, LSC_REVOKED,
 * CERTIFICATE_UNKNOWN, CERTIFICATE_UNTRUSTED, MIC_EXPIRED, MIC_NOT_YET_VALID) and whose message starts with it.
 */
export function judgeCertificate(device: Device, der: Uint8Array, rules: CertificateRules, what = 'the presented certificate'): 'lsc' | 'mic' {
  let facts;
  try {
    facts = describeCertificate(der);
  } catch {
    throw refuse('CERTIFICATE_INVALID', `${what} is not a valid X.509 certificate`);
  }
  const current = device.lsc;
  if (current && current.sha256Fingerprint === facts.sha256Fingerprint && current.serialHex === facts.serialHex) {
    trusted(der, [...(rules.lscIssuersDer ?? []), ...rules.trustAnchorsDer], what);
    checkDates(facts, rules, 'LSC', `${what} (the device's LSC, serial ${facts.serialHex})`, false);
    return 'lsc';
  }
  const record = rules.issuedCertificates?.find((fact) => fact.sha256Fingerprint === facts.sha256Fingerprint);
  if (record) {
    const stale = STALE_LSC[record.state];
    if (stale) throw refuse(stale.code, `${what} is an LSC of this device (serial ${facts.serialHex}) that ${stale.why}; it cannot authenticate`);
    throw refuse('CERTIFICATE_UNKNOWN', `${what} is an LSC issued for this device (serial ${facts.serialHex}) that the phone never installed (${record.state})`);
  }
  if (issuedByAny(der, rules.lscIssuersDer ?? [])) {
    throw refuse('CERTIFICATE_UNKNOWN', `${what} (serial ${facts.serialHex}) is an LSC of our CA that is not this device's current LSC and is not in its records`);
  }
  trusted(der, rules.trustAnchorsDer, what);
  checkDates(facts, rules, 'MIC', `${what} (serial ${facts.serialHex})`, rules.acceptExpiredMic === true);
  return 'mic';
}

/** A certificate that chains to CAPF-trust only (SUDI): within its validity, expired accepted as for a MIC. */
export function judgeTrusted(der: Uint8Array, rules: CertificateRules, what: string): void {
  trusted(der, rules.trustAnchorsDer, what);
  let facts;
  try {
    facts = describeCertificate(der);
  } catch {
    throw refuse('CERTIFICATE_INVALID', `${what} is not a valid X.509 certificate`);
  }
  checkDates(facts, rules, 'MIC', what, rules.acceptExpiredMic === true);
}

function checkDates(facts: { notBefore: string; notAfter: string }, rules: CertificateRules, kind: 'LSC' | 'MIC', what: string, expiredAccepted: boolean): void {
  const now = (rules.now ?? new Date()).getTime();
  const skew = rules.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  if (Date.parse(facts.notBefore) - skew > now) {
    throw refuse(`${kind}_NOT_YET_VALID`, `${what} is not valid before ${facts.notBefore} (clock skew allowed: ${skew / 1000} s)`);
  }
  if (Date.parse(facts.notAfter) + skew < now && !expiredAccepted) {
    const hint = kind === 'MIC' ? '; set acceptExpiredMic if this fleet\'s manufacturing certificates have expired' : '';
    throw refuse(`${kind}_EXPIRED`, `${what} expired at ${facts.notAfter} (clock skew allowed: ${skew / 1000} s)${hint}`);
  }
}

function trusted(der: Uint8Array, anchors: readonly Uint8Array[], what: string): void {
  try {
    verifyIssuedBy(der, [...anchors], { checkValidity: false });
  } catch (error) {
    if (error instanceof CapfError) throw refuse('CERTIFICATE_UNTRUSTED', `${what} is not trusted: ${error.message}`);
    throw error;
  }
}

function issuedByAny(der: Uint8Array, issuers: readonly Uint8Array[]): boolean {
  if (issuers.length === 0) return false;
  try {
    verifyIssuedBy(der, [...issuers], { checkValidity: false });
    return true;
  } catch (error) {
    if (error instanceof CapfError) return false;
    throw error;
  }
}

function refuse(code: string, message: string): AuthenticationError {
  return new AuthenticationError(`${code}: ${message}`, code);
}
