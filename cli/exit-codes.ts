// The exit codes of `capf` (README "Exit codes") and the one-line error every failure ends with.
import { CapfError, ConflictError, NotFoundError, StoreError } from '../shared/errors.ts';

export const EXIT = {
  ok: 0,
  /** Refused or invalid: bad input, a rule or a conflict, configuration that cannot work. */
  refused: 1,
  notFound: 2,
  /** The service (local API, deployed API, the data folder's store) could not be reached. */
  unreachable: 3,
} as const;

/** The service could not be reached (connection refused, DNS, timeout): exit 3. */
export class UnreachableError extends CapfError {
  constructor(message: string, code = 'UNREACHABLE', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** An error answer of the admin API: its code and message, and the exit code its HTTP status means. */
export class ServiceError extends CapfError {
  constructor(
    message: string,
    code: string,
    readonly exitCode: number,
  ) {
    super(message, code);
  }
}

export function exitCodeOf(error: CapfError): number {
  if (error instanceof ServiceError) return error.exitCode;
  if (error instanceof UnreachableError) return EXIT.unreachable;
  if (error instanceof NotFoundError || error.code === 'NOT_FOUND' || error.code.endsWith('_NOT_FOUND')) return EXIT.notFound;
  if (error instanceof ConflictError) return EXIT.refused;
  // The store itself failed (dynalite or DynamoDB unreachable, throttled): the service could not be reached.
  if (error instanceof StoreError) return EXIT.unreachable;
  return EXIT.refused;
}

/** `capf: CODE: message` on one line (a message never spans lines, whatever its source). */
export function errorLine(error: CapfError): string {
  return `capf: ${error.code}: ${error.message.replace(/\s*\n\s*/g, ' ')}`;
}
