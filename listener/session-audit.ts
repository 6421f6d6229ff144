// Phone sessions' outcomes as audit events (`session.end`: device, peer, result, code) without a store call per
// session: the recorder buffers events and writes them with the audit store's recordMany (BatchWriteItem, 25 per
// call) when `maxEvents` have gathered or `maxDelayMs` after the first, and whatever is left at drain (flush). A
// failed write is logged and its events dropped: the audit trail never stalls or fails a phone's session.
import { isValidDeviceName } from '../shared/model.ts';
import type { AuditEvent, AuditLog, AuditStore } from '../shared/ports/index.ts';
import type { CapfLogger } from '../shared/logging.ts';
import type { SessionSummary } from './session-driver.ts';

export interface BatchedAuditOptions {
  /** Write when this many are buffered (one BatchWriteItem holds 25). */
  maxEvents?: number;
  /** Write at most this long after the first buffered event. */
  maxDelayMs?: number;
  /** Past this many waiting (the store is down), the oldest are dropped and counted. */
  maxBuffered?: number;
  logger?: CapfLogger;
}

export const SESSION_AUDIT_DEFAULTS = { maxEvents: 25, maxDelayMs: 2_000, maxBuffered: 10_000 } as const;

export class BatchedAuditRecorder implements AuditLog {
  private buffer: AuditEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly maxEvents: number;
  private readonly maxDelayMs: number;
  private readonly maxBuffered: number;
  /** Events not written: dropped past maxBuffered or lost with a failed write. */
  dropped = 0;

  constructor(
    private readonly sink: Pick<AuditStore, 'recordMany'>,
    private readonly options: BatchedAuditOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? SESSION_AUDIT_DEFAULTS.maxEvents;
    this.maxDelayMs = options.maxDelayMs ?? SESSION_AUDIT_DEFAULTS.maxDelayMs;
    this.maxBuffered = options.maxBuffered ?? SESSION_AUDIT_DEFAULTS.maxBuffered;
  }

  /** Buffers the event; never waits for the store. */
  record(event: AuditEvent): Promise<void> {
    this.buffer.push(event);
    if (this.buffer.length > this.maxBuffered) {
      const excess = this.buffer.length - this.maxBuffered;
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
    if (this.buffer.length >= this.maxEvents) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMs).unref();
    return Promise.resolve();
  }

  /** Writes what is buffered (after any write in progress); resolves when it is written or given up. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) {
      this.writing = this.writing.then(() =>
        this.sink.recordMany(batch).catch((error: unknown) => {
          this.dropped += batch.length;
          this.options.logger?.warn('session audit events not written', { events: batch.length, reason: error instanceof Error ? error.message : String(error) });
        }),
      );
    }
    return this.writing;
  }
}

/** The audit event of an ended session; a device name the phone sent is kept only when it is a valid one. */
export function sessionEndEvent(summary: SessionSummary, at = new Date()): AuditEvent {
  const device = summary.device !== undefined && isValidDeviceName(summary.device) ? summary.device : undefined;
  return {
    at: at.toISOString(),
    actor: 'phone',
    action: 'session.end',
    result: summary.failed ? 'failed' : 'ok',
    ...(device ? { deviceName: device } : {}),
    peer: summary.peer.slice(0, 64),
    sessionId: summary.sessionId,
    ...(summary.code ? { code: summary.code.slice(0, 64) } : {}),
  };
}
