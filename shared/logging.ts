// Structured logging for every component: JSON lines through Powertools Logger (the same format in Lambda, Fargate and
// the local stack). Callers pass attributes (device, sessionId, reason); secrets are never passed in.
import { Logger } from '@aws-lambda-powertools/logger';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogAttributes = Record<string, unknown>;

export interface CapfLogger {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}

export function createLogger(serviceName: string, level: LogLevel = (process.env.CAPF_LOG_LEVEL as LogLevel | undefined) ?? 'info'): CapfLogger {
  const logger = new Logger({ serviceName, logLevel: level.toUpperCase() as 'INFO' });
  return {
    debug: (message, attributes) => logger.debug(message, attributes ?? {}),
    info: (message, attributes) => logger.info(message, attributes ?? {}),
    warn: (message, attributes) => logger.warn(message, attributes ?? {}),
    error: (message, attributes) => logger.error(message, attributes ?? {}),
  };
}

/** Keeps entries in memory: for tests that assert what was logged, and for the phone simulator's quiet mode. */
export class MemoryLogger implements CapfLogger {
  readonly entries: Array<{ level: LogLevel; message: string; attributes: LogAttributes }> = [];
  debug(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: 'debug', message, attributes });
  }
  info(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: 'info', message, attributes });
  }
  warn(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: 'warn', message, attributes });
  }
  error(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: 'error', message, attributes });
  }
}
