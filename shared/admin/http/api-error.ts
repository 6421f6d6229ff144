// JSON errors of the admin API: { code, message, allowed? } with a stable code. The project's error hierarchy
// (shared/errors.ts) maps to HTTP statuses here, once; anything unexpected is a 500 INTERNAL that says nothing more.
import type * as z from 'zod';
import { AuthenticationError, CapfError, ConfigError, ConflictError, NotFoundError, StoreError, ValidationError } from '../../errors.ts';

export interface ApiErrorBody {
  code: string;
  message: string;
  /** The valid values or range, when the problem is a value outside them. */
  allowed?: (string | number)[] | { min?: number; max?: number };
}

/** An error raised by the HTTP layer itself (route, method, body, auth), with its status. */
export class ApiError extends CapfError {
  constructor(
    readonly status: number,
    message: string,
    code: string,
    readonly allowed?: ApiErrorBody['allowed'],
    readonly headers: Record<string, string> = {},
  ) {
    super(message, code);
  }
}

/** A request the route's schema refused: the first problems in one line, the allowed values of the first one. */
export function invalidRequest(where: 'query' | 'body' | 'path', error: z.ZodError): ApiError {
  const issues = error.issues.slice(0, 3);
  const text = issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : where;
      if (issue.code === 'unrecognized_keys') return `${where}: unknown field ${issue.keys.join(', ')}`;
      return `${field}: ${issue.message}`;
    })
    .join('; ');
  const first = issues[0];
  let allowed: ApiErrorBody['allowed'];
  if (first?.code === 'invalid_value') allowed = first.values.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
  else if (first?.code === 'too_big' || first?.code === 'too_small') {
    const bound = Number(first.code === 'too_big' ? first.maximum : first.minimum);
    allowed = first.code === 'too_big' ? { max: bound } : { min: bound };
  }
  return new ApiError(400, text, 'INVALID_REQUEST', allowed);
}

export interface ErrorAnswer {
  status: number;
  body: ApiErrorBody;
  headers: Record<string, string>;
  /** True for a failure of ours (5xx): the caller logs it; 4xx are answers. */
  internal: boolean;
}

export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof ApiError) {
    return { status: error.status, body: withAllowed({ code: error.code, message: error.message }, error.allowed), headers: error.headers, internal: error.status >= 500 };
  }
  const answer = (status: number, e: CapfError): ErrorAnswer => ({ status, body: { code: e.code, message: e.message }, headers: {}, internal: status >= 500 });
  if (error instanceof ValidationError) return answer(400, error);
  if (error instanceof AuthenticationError) return answer(401, error);
  if (error instanceof NotFoundError) return answer(404, error);
  if (error instanceof ConflictError) return answer(409, error);
  if (error instanceof StoreError) return { status: 503, body: { code: 'STORE_UNAVAILABLE', message: 'the store did not answer; try again' }, headers: {}, internal: true };
  if (error instanceof ConfigError) return { status: 500, body: { code: error.code, message: error.message }, headers: {}, internal: true };
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error; the service log has the details' }, headers: {}, internal: true };
}

function withAllowed(body: ApiErrorBody, allowed: ApiErrorBody['allowed']): ApiErrorBody {
  return allowed === undefined ? body : { ...body, allowed };
}
