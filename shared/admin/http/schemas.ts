// The zod schemas of the admin API's inputs, shared by its route modules; their allowed values come from the model and
// the domain (one home for every bound), and docs/openapi.yaml states the same.
import * as z from 'zod';
import { AUTH_MODES, CERTIFICATE_OPERATIONS, EC_CURVES, KEY_ORDERS, RSA_KEY_SIZES } from '../../model.ts';
import { AUTH_STRING_LENGTH } from '../../domain/validation.ts';
import { ApiError } from './api-error.ts';

export const OPERATION_STATUSES = ['none', 'pending', 'in-progress', 'success', 'failed'] as const;
export const PAGE_LIMIT = { min: 1, max: 100, default: 50 } as const;

const enumOf = <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]]);

/** A device change as the API takes it (POST /v1/devices adds `name`). */
export const deviceChangeSchema = z
  .object({
    operation: enumOf(CERTIFICATE_OPERATIONS).optional(),
    authMode: enumOf(AUTH_MODES).optional(),
    authString: z.string().min(AUTH_STRING_LENGTH.min).max(AUTH_STRING_LENGTH.max).optional(),
    generateAuthString: z.boolean().optional(),
    keyOrder: enumOf(KEY_ORDERS).optional(),
    rsaKeySize: z.literal(RSA_KEY_SIZES as number[]).optional(),
    curve: enumOf(EC_CURVES).optional(),
    completesBy: z.string().max(40).nullable().optional(),
  })
  .strict();

export const pageQuery = {
  limit: z.coerce.number().int().min(PAGE_LIMIT.min).max(PAGE_LIMIT.max).default(PAGE_LIMIT.default),
  cursor: z.string().max(2048).optional(),
};

export const operationStatusSchema = enumOf(OPERATION_STATUSES);
export const operationSchema = enumOf(CERTIFICATE_OPERATIONS);
export const authModeSchema = enumOf(AUTH_MODES);

/** The optimistic version from an If-Match header ("3" or 3, as the ETag of a device response); undefined without one. */
export function expectedVersion(headers: Record<string, string | undefined>): number | undefined {
  const value = headers['if-match'];
  if (value === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  if (!match) throw new ApiError(400, 'If-Match must be the ETag of the device (its version, e.g. "3")', 'INVALID_IF_MATCH');
  return Number(match[1]);
}

/** A point in time as ISO 8601, or a span back from now: 30m, 24h, 7d. */
export function instant(field: string, value: string | undefined, now: Date): string | undefined {
  if (value === undefined) return undefined;
  const span = /^(\d{1,5})([mhd])$/.exec(value);
  if (span) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(span[1]) * unit).toISOString();
  }
  const ms = value.length <= 40 ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new ApiError(400, `${field} must be an ISO 8601 time or a span such as 30m, 24h, 7d`, 'INVALID_REQUEST');
  return new Date(ms).toISOString();
}
