// The service parameters' rules: each bound and each default has its home here, and the store adapter, the sign
// service, the issuers, the CLI and the admin service all read them from here.
import { ValidationError } from '../errors.ts';
import type { ServiceParameters } from '../ports/index.ts';
import { describeValue } from './validation.ts';

/** How long an LSC may be valid (F5): whole days. */
export const LSC_VALIDITY_DAYS = { min: 1, max: 1825, default: 365 } as const;

/** What a deployment uses until an administrator changes a parameter. */
export const DEFAULT_PARAMETERS: Readonly<ServiceParameters> = Object.freeze({
  lscValidityDays: LSC_VALIDITY_DAYS.default,
  ipv6Enabled: true,
  requireCertificateNameMatch: true,
});

const BOOLEAN_PARAMETERS = ['ipv6Enabled', 'requireCertificateNameMatch'] as const;
const KNOWN_PARAMETERS: ReadonlySet<string> = new Set(['lscValidityDays', ...BOOLEAN_PARAMETERS, 'updatedAt']);

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
  return typeof days === 'number' && Number.isInteger(days) && days >= LSC_VALIDITY_DAYS.min && days <= LSC_VALIDITY_DAYS.max;
}

/** Validates a partial parameter update; unknown keys are refused so a typo does not silently do nothing. */
export function checkParameterUpdate(params: Partial<ServiceParameters>): Partial<ServiceParameters> {
  if (typeof params !== 'object' || params === null) throw new ValidationError('parameters must be an object');
  for (const key of Object.keys(params)) {
    if (!KNOWN_PARAMETERS.has(key)) throw new ValidationError(`unknown service parameter ${describeValue(key)}`, 'UNKNOWN_PARAMETER');
  }
  const update: Partial<ServiceParameters> = {};
  if (params.lscValidityDays !== undefined) {
    const days = params.lscValidityDays;
    if (!isLscValidity(days)) {
      throw new ValidationError(
        `lscValidityDays must be an integer from ${LSC_VALIDITY_DAYS.min} to ${LSC_VALIDITY_DAYS.max} (got ${describeValue(days)})`,
        'INVALID_LSC_VALIDITY',
      );
    }
    update.lscValidityDays = days;
  }
  for (const key of BOOLEAN_PARAMETERS) {
    const value = params[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new ValidationError(`${key} must be true or false`, 'INVALID_PARAMETER');
    update[key] = value;
  }
  return update; // updatedAt is the store's to set
}

/** The parameters as stored (any shape, any age), with the default for each one missing or unusable. */
export function withDefaultParameters(stored: Record<string, unknown> | undefined): ServiceParameters {
  const merged: ServiceParameters = { ...DEFAULT_PARAMETERS };
  if (!stored) return merged;
  if (isLscValidity(stored.lscValidityDays)) merged.lscValidityDays = stored.lscValidityDays;
  for (const key of BOOLEAN_PARAMETERS) if (typeof stored[key] === 'boolean') merged[key] = stored[key];
  if (typeof stored.updatedAt === 'string') merged.updatedAt = stored.updatedAt;
  return merged;
}
