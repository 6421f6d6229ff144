// The rules every device setting, outcome and issuance record must meet before it is written, whoever writes it (the
// store adapters check them; the admin service and the CLI reuse them). Each failure is a ValidationError whose
// message names the field and the rule; an authentication string is never echoed back.
import { ValidationError } from '../errors.ts';
import {
  AUTH_MODES,
  CERTIFICATE_OPERATIONS,
  EC_CURVES,
  KEY_ORDERS,
  RSA_KEY_SIZES,
  isValidDeviceName,
  type Device,
  type StoredCertificate,
} from '../model.ts';
import { checkClearAuthString, isHashedAuthString } from './auth-string.ts';
export { AUTH_STRING_LENGTH } from './auth-string.ts';
import { ISSUANCE_STATES, type DeviceSettings, type IssuanceRecord, type IssuanceState, type LockoutPolicy } from '../ports/index.ts';

/** Longest status reason kept; longer texts are cut so one bad session cannot bloat the item. */
export const MAX_STATUS_REASON = 512;
const MAX_ID_LENGTH = 128;
const MAX_PEM_LENGTH = 64 * 1024;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function checkDeviceName(name: unknown): string {
  if (typeof name !== 'string' || !isValidDeviceName(name)) {
    throw new ValidationError(
      `device name ${describeValue(name)} is not valid: expected SEP + 12 upper-case hex digits or a letter then up to 63 letters, digits, '_', '.', '-'`,
      'INVALID_DEVICE_NAME',
    );
  }
  return name;
}

export function checkOperationId(operationId: unknown): string {
  if (typeof operationId !== 'string' || operationId.length === 0 || operationId.length > MAX_ID_LENGTH) {
    throw new ValidationError(`operation id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`, 'INVALID_OPERATION_ID');
  }
  return operationId;
}

export function checkSpkiSha256(value: unknown): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) {
    throw new ValidationError('spkiSha256 must be 64 lower-case hex digits (SHA-256 of the SubjectPublicKeyInfo)', 'INVALID_SPKI_HASH');
  }
  return value;
}

/** Parses an ISO 8601 date (date only, or date and time with a zone) and returns it normalised to UTC. */
export function normaliseIsoDate(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 40 || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value)) || !calendarFieldsExist(value)) {
    throw new ValidationError(`${field} must be an ISO 8601 date such as 2027-01-31 or 2027-01-31T12:00:00Z`, 'INVALID_DATE');
  }
  return new Date(value).toISOString();
}

/** Date.parse rolls 2030-02-30 over to March; refuse days and times that do not exist instead. */
function calendarFieldsExist(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  const time = /T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  return !time || (Number(time[1]) < 24 && Number(time[2]) < 60 && Number(time[3] ?? 0) < 60);
}

function oneOf<T>(field: string, value: unknown, allowed: readonly T[], code: string): T {
  if (!allowed.includes(value as T)) {
    throw new ValidationError(`${field} ${describeValue(value)} is not one of ${allowed.join(', ')}`, code);
  }
  return value as T;
}

/**
 * Validates admin settings and returns a copy holding only the known fields (nothing else reaches the table).
 * An authentication string is required in auth-string mode while an operation is pending: after a successful
 * operation it is cleared (one-time use), and the device must still be editable without typing a new one.
 */
export function checkDeviceSettings(settings: DeviceSettings): DeviceSettings {
  if (typeof settings !== 'object' || settings === null) throw new ValidationError('device settings must be an object');
  const name = checkDeviceName(settings.name);
  const operation = oneOf('operation', settings.operation, CERTIFICATE_OPERATIONS, 'INVALID_OPERATION');
  const authMode = oneOf('authMode', settings.authMode, AUTH_MODES, 'INVALID_AUTH_MODE');
  const keyOrder = oneOf('keyOrder', settings.keyOrder, KEY_ORDERS, 'INVALID_KEY_ORDER');
  const curve = oneOf('curve', settings.curve, EC_CURVES, 'INVALID_CURVE');
  if (!Number.isInteger(settings.rsaKeySize) || !RSA_KEY_SIZES.includes(settings.rsaKeySize)) {
    throw new ValidationError(`rsaKeySize ${describeValue(settings.rsaKeySize)} is not one of ${RSA_KEY_SIZES.join(', ')}`, 'INVALID_RSA_KEY_SIZE');
  }
  const checked: DeviceSettings = { name, operation, authMode, keyOrder, rsaKeySize: settings.rsaKeySize, curve };
  if (settings.completesBy !== undefined) checked.completesBy = normaliseIsoDate('completesBy', settings.completesBy);
  if (settings.authString !== undefined) checked.authString = checkStoredAuthString(settings.authString);
  if (authMode === 'auth-string' && operation !== 'none' && checked.authString === undefined) {
    throw new ValidationError('authMode auth-string needs an authString for the pending operation', 'AUTH_STRING_REQUIRED');
  }
  return checked;
}

/**
 * What the store keeps: the keyed hash (shared/domain/auth-string.ts), written by every admin path that holds the key;
 * a clear string (4-64 printable characters) is still accepted from a path without the key and from older records,
 * and is hashed at the next save through a path with the key. The value is never echoed.
 */
function checkStoredAuthString(value: unknown): string {
  return isHashedAuthString(value) ? value : checkClearAuthString(value);
}

export function checkSessionId(sessionId: unknown): number {
  if (typeof sessionId !== 'number' || !Number.isSafeInteger(sessionId) || sessionId < 0) {
    throw new ValidationError('sessionId must be a non-negative integer', 'INVALID_SESSION_ID');
  }
  return sessionId;
}

export function checkReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.trim().length === 0) {
    throw new ValidationError('a failed outcome needs a non-empty reason', 'INVALID_REASON');
  }
  return reason.length > MAX_STATUS_REASON ? `${reason.slice(0, MAX_STATUS_REASON - 3)}...` : reason;
}

/** A lockout policy a session hands to the store: a limit of 1-100 wrong strings and a longest lock of at most a week. */
export function checkLockoutPolicy(policy: LockoutPolicy): LockoutPolicy {
  const { limit, maxLockMs } = policy as Partial<LockoutPolicy>;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new ValidationError(`the lockout limit must be an integer from 1 to 100, not ${describeValue(limit)}`, 'INVALID_LOCKOUT');
  }
  if (typeof maxLockMs !== 'number' || !Number.isInteger(maxLockMs) || maxLockMs < 1 || maxLockMs > 7 * 86_400_000) {
    throw new ValidationError(`the longest lock must be a whole number of milliseconds up to a week, not ${describeValue(maxLockMs)}`, 'INVALID_LOCKOUT');
  }
  return { limit, maxLockMs };
}

export function checkStoredCertificate(field: string, cert: StoredCertificate): StoredCertificate {
  if (typeof cert !== 'object' || cert === null) throw new ValidationError(`${field} must be a stored certificate object`, 'INVALID_CERTIFICATE');
  const textFields = ['pem', 'serialHex', 'subject', 'issuer', 'notBefore', 'notAfter', 'sha256Fingerprint'] as const;
  for (const key of textFields) {
    const value = cert[key];
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PEM_LENGTH) {
      throw new ValidationError(`${field}.${key} must be a non-empty string of at most ${MAX_PEM_LENGTH} characters`, 'INVALID_CERTIFICATE');
    }
  }
  if (!cert.pem.includes('-----BEGIN CERTIFICATE-----')) throw new ValidationError(`${field}.pem is not a PEM certificate`, 'INVALID_CERTIFICATE');
  return {
    pem: cert.pem,
    serialHex: cert.serialHex,
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    sha256Fingerprint: cert.sha256Fingerprint,
  };
}

export function checkFetched(fetched: NonNullable<Device['fetched']>): NonNullable<Device['fetched']> {
  const certificateType = oneOf('fetched.certificateType', fetched?.certificateType, ['lsc', 'mic'] as const, 'INVALID_CERTIFICATE_TYPE');
  return {
    certificate: checkStoredCertificate('fetched.certificate', fetched.certificate),
    certificateType,
    at: normaliseIsoDate('fetched.at', fetched.at),
  };
}

export function checkIssuanceState(state: unknown): IssuanceState {
  return oneOf('state', state, ISSUANCE_STATES, 'INVALID_ISSUANCE_STATE');
}

/** Checks the key fields and the state-specific fields of an issuance record before it is written. */
export function checkIssuanceRecord(record: IssuanceRecord): IssuanceRecord {
  if (typeof record !== 'object' || record === null) throw new ValidationError('issuance record must be an object');
  checkDeviceName(record.deviceName);
  checkOperationId(record.operationId);
  checkSpkiSha256(record.spkiSha256);
  checkOperationId(record.requestId);
  checkIssuanceState(record.state);
  if (typeof record.issuer !== 'string' || record.issuer.length === 0 || record.issuer.length > MAX_ID_LENGTH) {
    throw new ValidationError('issuance issuer must name the issuer that signed', 'INVALID_ISSUER');
  }
  if (!Array.isArray(record.chainPem) || record.chainPem.length > 10 || record.chainPem.some((p) => typeof p !== 'string' || p.length > MAX_PEM_LENGTH)) {
    throw new ValidationError('issuance chainPem must be at most 10 PEM strings', 'INVALID_CERTIFICATE');
  }
  if (record.certificate !== undefined) checkStoredCertificate('certificate', record.certificate);
  if ((record.state === 'issued' || record.state === 'installed') && record.certificate === undefined) {
    throw new ValidationError(`an issuance in state ${record.state} needs its certificate`, 'INVALID_ISSUANCE');
  }
  if (record.state === 'pending' && (typeof record.pendingHandle !== 'string' || record.pendingHandle.length === 0)) {
    throw new ValidationError('a pending issuance needs the issuer handle to poll', 'INVALID_ISSUANCE');
  }
  normaliseIsoDate('createdAt', record.createdAt);
  return record;
}

/** A short, bounded rendering of a rejected value for messages. */
export function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}
