// One hierarchy for every error the project raises on purpose. Each carries a stable `code` that logs, statuses and
// tests can match on; the message is for people and never contains key material or authentication strings. Every
// constructor takes (message, code, options), like Error's (message, options), the code defaulting per class.

export class CapfError extends Error {
  readonly code: string;

  constructor(message: string, code = 'CAPF', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The name of an error from a library (an AWS SDK exception's name is its type), for messages and branching. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** Bytes from a peer that break the wire format (bad header, bad element, length over a bound). */
export class ProtocolError extends CapfError {
  constructor(message: string, code = 'PROTOCOL', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** A declared length above the configured bound; raised before anything is buffered. */
export class FrameTooLargeError extends ProtocolError {
  constructor(
    readonly declared: number,
    readonly limit: number,
  ) {
    super(`declared body length ${declared} exceeds the limit of ${limit} bytes`, 'FRAME_TOO_LARGE');
  }
}

/** The phone did not prove who it is (wrong string, bad signature, untrusted certificate...). */
export class AuthenticationError extends CapfError {
  constructor(message: string, code = 'AUTH_FAILED') {
    super(message, code);
  }
}

/** Input from an administrator or a caller that does not satisfy the rules (device name, validity days...). */
export class ValidationError extends CapfError {
  constructor(message: string, code = 'INVALID_INPUT') {
    super(message, code);
  }
}

/** Configuration that cannot work (missing parameter, out-of-range value, unreadable key file). */
export class ConfigError extends CapfError {
  constructor(message: string, code = 'CONFIG', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** A store operation failed (not a lost race: see ConflictError). */
export class StoreError extends CapfError {
  constructor(message: string, code = 'STORE', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** A conditional write lost: someone else changed the item first. Retry by re-reading, never by overwriting. */
export class ConflictError extends StoreError {
  constructor(message: string, code = 'CONFLICT') {
    super(message, code);
  }
}

/** The item asked for does not exist. */
export class NotFoundError extends StoreError {
  constructor(message: string, code = 'NOT_FOUND') {
    super(message, code);
  }
}

/** An issuer could not sign: the reason says what an administrator can do about it. */
export class IssuerError extends CapfError {
  constructor(message: string, code = 'ISSUER', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

/** A notification (email, topic message) could not be sent; the message says what an administrator can do. */
export class NotificationError extends CapfError {
  constructor(message: string, code = 'NOTIFY', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}
