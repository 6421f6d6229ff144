// The service parameters' rules: each bound and each default has its home here, and the store adapter, the sign
// service, the issuers, the CLI and the admin service all read them from here.
import { ValidationError } from '../errors.ts';
import type { ServiceParameters } from '../ports/index.ts';
import { describeValue } from './validation.ts';

/** How long an LSC may be valid (F5): whole days. */
export const LSC_VALIDITY_DAYS = { min: 1, max: 1825, default: 365 } as const;

/** Wrong authentication strings before the device's operation is locked (issue 10: 1-20, CUCM-like 5). */
export const AUTH_FAILURE_LIMIT = { min: 1, max: 20, default: 5 } as const;
/** The longest lock, in minutes: the first lock lasts AUTH_LOCK_FIRST_MS and each further wrong string doubles it. */
export const AUTH_LOCK_MAX_MINUTES = { min: 1, max: 1440, default: 60 } as const;
export const AUTH_LOCK_FIRST_MS = 60_000;
/** Failed authentications per minute from one peer address before it is refused at TLS accept. */
export const ADDRESS_FAILURE_LIMIT = { min: 1, max: 100_000, default: 100 } as const;
/** The same for an address inside the configured phone networks, where a whole site may share one NAT address. */
export const PHONE_NETWORK_FAILURE_LIMIT = { min: 1, max: 1_000_000, default: 1_000 } as const;
/** How long an address over its budget is refused, in seconds. */
export const ADDRESS_COOLDOWN_SECONDS = { min: 1, max: 86_400, default: 300 } as const;
/** F19: the lead time, how many days before expiry the first notice goes out (shared/monitor's rules use it). */
export const LEAD_TIME_DAYS = { min: 1, max: 365, default: 30 } as const;
/** F19: the share of an LSC's lifetime after which its device is re-enrolled (default two thirds). */
export const REENROLMENT_FRACTION = { min: 0.05, max: 0.95, default: 2 / 3 } as const;
/** How many certificates one operation may yield (issue 10): a phone that keeps refusing to store gets no more. */
export const MAX_CERTIFICATES_PER_OPERATION = { min: 1, max: 20, default: 3 } as const;
/** Clock skew tolerated when an authenticating certificate's validity is checked, in seconds (default 5 minutes). */
export const CERTIFICATE_CLOCK_SKEW_SECONDS = { min: 0, max: 86_400, default: 300 } as const;
/** F14: TCP keepalive on phone connections, in minutes (CUCM's CAPF keepalive range; 15 as before). */
export const KEEPALIVE_MINUTES = { min: 5, max: 60, default: 15 } as const;

interface IntegerBounds {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/** Every whole-number parameter with its bounds (lscValidityDays has its own error code, kept for its callers). */
const INTEGER_PARAMETERS = {
  lscValidityDays: LSC_VALIDITY_DAYS,
  authFailureLimit: AUTH_FAILURE_LIMIT,
  authLockMaxMinutes: AUTH_LOCK_MAX_MINUTES,
  addressFailureLimit: ADDRESS_FAILURE_LIMIT,
  phoneNetworkFailureLimit: PHONE_NETWORK_FAILURE_LIMIT,
  addressCooldownSeconds: ADDRESS_COOLDOWN_SECONDS,
  maxCertificatesPerOperation: MAX_CERTIFICATES_PER_OPERATION,
  certificateClockSkewSeconds: CERTIFICATE_CLOCK_SKEW_SECONDS,
  expiryLeadDays: LEAD_TIME_DAYS,
  keepAliveMinutes: KEEPALIVE_MINUTES,
} as const satisfies Record<string, IntegerBounds>;
type IntegerParameter = keyof typeof INTEGER_PARAMETERS;
const INTEGER_KEYS = Object.keys(INTEGER_PARAMETERS) as IntegerParameter[];

/** What a deployment uses until an administrator changes a parameter. */
export const DEFAULT_PARAMETERS: Readonly<ServiceParameters> = Object.freeze({
  lscValidityDays: LSC_VALIDITY_DAYS.default,
  ipv6Enabled: true,
  requireCertificateNameMatch: true,
  authFailureLimit: AUTH_FAILURE_LIMIT.default,
  authLockMaxMinutes: AUTH_LOCK_MAX_MINUTES.default,
  addressFailureLimit: ADDRESS_FAILURE_LIMIT.default,
  phoneNetworkFailureLimit: PHONE_NETWORK_FAILURE_LIMIT.default,
  addressCooldownSeconds: ADDRESS_COOLDOWN_SECONDS.default,
  maxCertificatesPerOperation: MAX_CERTIFICATES_PER_OPERATION.default,
  certificateClockSkewSeconds: CERTIFICATE_CLOCK_SKEW_SECONDS.default,
  acceptExpiredMic: false,
  expiryLeadDays: LEAD_TIME_DAYS.default,
  expiryRecipients: [],
  reenrolmentEnabled: false,
  reenrolmentFraction: REENROLMENT_FRACTION.default,
  keepAliveMinutes: KEEPALIVE_MINUTES.default,
});

/** F19: at most this many expiry email recipients (one SES message takes 50). */
export const MAX_EXPIRY_RECIPIENTS = 50;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The expiry recipients as stored: 0-50 plain ASCII email addresses, lowercased, each once. ValidationError otherwise. */
export function checkExpiryRecipients(value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_EXPIRY_RECIPIENTS) {
    throw new ValidationError(`expiryRecipients must be a list of at most ${MAX_EXPIRY_RECIPIENTS} email addresses`, 'INVALID_PARAMETER');
  }
  const out: string[] = [];
  for (const entry of value) {
    if (typeof entry !== 'string' || entry.length > 254 || !EMAIL.test(entry)) {
      throw new ValidationError(`expiryRecipients: ${describeValue(typeof entry === 'string' ? entry.slice(0, 80) : entry)} is not an email address`, 'INVALID_PARAMETER');
    }
    const address = entry.toLowerCase();
    if (!out.includes(address)) out.push(address);
  }
  return out;
}

/** The re-enrolment point as a parameter: REENROLMENT_FRACTION's bounds, INVALID_PARAMETER otherwise. */
function checkFractionParameter(value: unknown): number {
  if (typeof value !== 'number' || !(value >= REENROLMENT_FRACTION.min && value <= REENROLMENT_FRACTION.max)) {
    throw new ValidationError(`reenrolmentFraction must be a fraction from ${REENROLMENT_FRACTION.min} to ${REENROLMENT_FRACTION.max} (got ${describeValue(value)})`, 'INVALID_PARAMETER');
  }
  return value;
}

const BOOLEAN_PARAMETERS = ['ipv6Enabled', 'requireCertificateNameMatch', 'acceptExpiredMic', 'reenrolmentEnabled'] as const;
const KNOWN_PARAMETERS: ReadonlySet<string> = new Set([...INTEGER_KEYS, ...BOOLEAN_PARAMETERS, 'expiryRecipients', 'reenrolmentFraction', 'updatedAt']);

/** An LSC lasts a whole number of days within LSC_VALIDITY_DAYS; ValidationError INVALID_VALIDITY otherwise. */
export function checkLscValidity(validityDays: number): number {
  if (!isLscValidity(validityDays)) {
    throw new ValidationError(
      `LSC validity must be a whole number of days from ${LSC_VALIDITY_DAYS.min} to ${LSC_VALIDITY_DAYS.max}, not ${describeValue(validityDays)}`,
      'INVALID_VALIDITY',
    );
  }
  return validityDays;
}

function isLscValidity(days: unknown): days is number {
  return isWithin(days, LSC_VALIDITY_DAYS);
}

function isWithin(value: unknown, bounds: IntegerBounds): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= bounds.min && value <= bounds.max;
}

/** Validates a partial parameter update; unknown keys are refused so a typo does not silently do nothing. */
export function checkParameterUpdate(params: Partial<ServiceParameters>): Partial<ServiceParameters> {
  if (typeof params !== 'object' || params === null) throw new ValidationError('parameters must be an object');
  for (const key of Object.keys(params)) {
    if (!KNOWN_PARAMETERS.has(key)) throw new ValidationError(`unknown service parameter ${describeValue(key)}`, 'UNKNOWN_PARAMETER');
  }
  const update: Partial<ServiceParameters> = {};
  for (const key of INTEGER_KEYS) {
    const value = params[key];
    if (value === undefined) continue;
    const bounds = INTEGER_PARAMETERS[key];
    if (!isWithin(value, bounds)) {
      throw new ValidationError(
        `${key} must be an integer from ${bounds.min} to ${bounds.max} (got ${describeValue(value)})`,
        key === 'lscValidityDays' ? 'INVALID_LSC_VALIDITY' : 'INVALID_PARAMETER',
      );
    }
    update[key] = value;
  }
  for (const key of BOOLEAN_PARAMETERS) {
    const value = params[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new ValidationError(`${key} must be true or false`, 'INVALID_PARAMETER');
    update[key] = value;
  }
  if (params.expiryRecipients !== undefined) update.expiryRecipients = checkExpiryRecipients(params.expiryRecipients);
  if (params.reenrolmentFraction !== undefined) update.reenrolmentFraction = checkFractionParameter(params.reenrolmentFraction);
  return update; // updatedAt is the store's to set
}

/** The parameters as stored (any shape, any age), with the default for each one missing or unusable. */
export function withDefaultParameters(stored: Record<string, unknown> | undefined): ServiceParameters {
  const merged: ServiceParameters = { ...DEFAULT_PARAMETERS };
  if (!stored) return merged;
  for (const key of INTEGER_KEYS) {
    const value = stored[key];
    if (isWithin(value, INTEGER_PARAMETERS[key])) merged[key] = value;
  }
  for (const key of BOOLEAN_PARAMETERS) if (typeof stored[key] === 'boolean') merged[key] = stored[key];
  merged.expiryRecipients = usable(() => checkExpiryRecipients(stored.expiryRecipients), merged.expiryRecipients);
  merged.reenrolmentFraction = usable(() => checkFractionParameter(stored.reenrolmentFraction), merged.reenrolmentFraction);
  if (typeof stored.updatedAt === 'string') merged.updatedAt = stored.updatedAt;
  return merged;
}

function usable<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}
