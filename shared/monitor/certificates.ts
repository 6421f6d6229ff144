// What the expiry monitor knows about a certificate, and the time arithmetic every rule in shared/monitor shares.
// Pure: no AWS SDK, no I/O (docs/expiry-monitoring.md).
import { ValidationError } from '../errors.ts';

/** lsc: a phone's LSC; capf-ca: the CAPF certificate (issuer and listener TLS); tls: another TLS certificate the
 *  service presents; trust: a certificate in CAPF-trust. */
export type CertificateKind = 'lsc' | 'capf-ca' | 'tls' | 'trust';
export const CERTIFICATE_KINDS: readonly CertificateKind[] = ['lsc', 'capf-ca', 'tls', 'trust'];

/**
 * installed: an LSC the phone confirmed it stored. active: a CAPF, TLS or trust certificate in use. Both are "in
 * service": the monitor warns about them. issued: signed, not yet confirmed by the phone. superseded: an LSC replaced by
 * a newer one on the same device. abandoned: issued but never installed (a stale LSC). deleted: removed from the phone,
 * or its device deleted. revoked: on the CRL.
 */
export type CertificateState = 'issued' | 'installed' | 'active' | 'superseded' | 'abandoned' | 'deleted' | 'revoked';
export const CERTIFICATE_STATES: readonly CertificateState[] = ['issued', 'installed', 'active', 'superseded', 'abandoned', 'deleted', 'revoked'];

export interface MonitoredCertificate {
  kind: CertificateKind;
  /** The device for an LSC; for the other kinds the name the certificate is known by (the CAPF CA's CN, the trust
   *  entry). At most 128 characters. */
  device: string;
  /** Lowercase hex as the store keeps it (StoredCertificate.serialHex); case and leading zeros are ignored. */
  serialHex: string;
  /** ISO 8601. */
  notBefore: string;
  /** ISO 8601. */
  notAfter: string;
  state: CertificateState;
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
const MAX_NAME_CHARS = 128;
const SERIAL = /^[0-9a-fA-F]{1,64}$/;

/** The certificate as the rules use it: times in epoch milliseconds, serial normalised. */
export interface CheckedCertificate {
  certificate: MonitoredCertificate;
  serial: string;
  notBeforeMs: number;
  notAfterMs: number;
}

function invalid(certificate: MonitoredCertificate, message: string): ValidationError {
  const name = String(certificate.device).slice(0, 80);
  return new ValidationError(`monitored certificate ${JSON.stringify(name)}: ${message}`, 'INVALID_MONITORED_CERTIFICATE');
}

function time(certificate: MonitoredCertificate, value: string, field: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(certificate, `${field} ${JSON.stringify(String(value).slice(0, 40))} is not an ISO 8601 time`);
  return ms;
}

/** Checks one certificate record; ValidationError INVALID_MONITORED_CERTIFICATE names the record and the field. */
export function checkCertificate(certificate: MonitoredCertificate): CheckedCertificate {
  if (!CERTIFICATE_KINDS.includes(certificate.kind)) throw invalid(certificate, `kind ${JSON.stringify(certificate.kind)} is not one of ${CERTIFICATE_KINDS.join(', ')}`);
  if (!CERTIFICATE_STATES.includes(certificate.state)) throw invalid(certificate, `state ${JSON.stringify(certificate.state)} is not one of ${CERTIFICATE_STATES.join(', ')}`);
  if (typeof certificate.device !== 'string' || certificate.device.length === 0 || certificate.device.length > MAX_NAME_CHARS) {
    throw invalid(certificate, `name must be 1–${MAX_NAME_CHARS} characters`);
  }
  if (typeof certificate.serialHex !== 'string' || !SERIAL.test(certificate.serialHex)) throw invalid(certificate, 'serial is not hex');
  const notBeforeMs = time(certificate, certificate.notBefore, 'notBefore');
  const notAfterMs = time(certificate, certificate.notAfter, 'notAfter');
  if (notAfterMs <= notBeforeMs) throw invalid(certificate, 'notAfter is not after notBefore');
  return { certificate, serial: certificate.serialHex.toLowerCase().replace(/^0+(?=.)/, ''), notBeforeMs, notAfterMs };
}

/** In service: what the monitor warns about and counts in the expiry buckets. */
export function inService(certificate: MonitoredCertificate): boolean {
  return certificate.state === 'installed' || certificate.state === 'active';
}

/** Days from `nowMs` to notAfter, fractional; zero or negative once expired. */
export function daysLeft(checked: CheckedCertificate, nowMs: number): number {
  return (checked.notAfterMs - nowMs) / DAY_MS;
}

/** Code-unit order, the same on every machine (localeCompare depends on the locale the process runs with). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function checkNow(now: Date): number {
  const ms = now instanceof Date ? now.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new ValidationError('the monitor run time is not a valid date', 'INVALID_MONITOR_OPTIONS');
  return ms;
}
