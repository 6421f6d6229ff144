// Runs one CapfSession over one TLS socket: bytes in through the FrameReader, actions out to the socket and backend.
import type { TLSSocket } from 'node:tls';
import { CapfError } from '../shared/errors.ts';
import type { CapfLogger } from '../shared/logging.ts';
import type { Device } from '../shared/model.ts';
import type { AuditEvent, AuditLog } from '../shared/ports/index.ts';
import { FrameReader } from '../shared/protocol/frame-reader.ts';
import { CapfSession, type SessionAction, type SessionInput } from '../shared/protocol/session.ts';
import type { PeerAddress } from './connection-intake.ts';
import type { RecordAction, SessionBackend } from './session-backend.ts';

export interface SessionTimeouts {
  messageTimeoutMs: number;
  keygenTimeoutMs: number;
  /** How long to wait for the phone to close after END_SESSION before the socket is destroyed. */
  closeGraceMs: number;
}

/** Who else hears of a failed authentication: the audit trail (when wired) and the per-address limiter. */
export interface SessionHooks {
  audit?: AuditLog;
  /** Called when authentication fails, before END_SESSION goes out (so the limiter has counted it when the phone learns). */
  onAuthenticationFailure?: () => void;
}

/** How a session ended, for metrics: failed sessions carry the code of their first failure. */
export interface SessionSummary {
  sessionId: number;
  /** The phone's address (behind the NLB: from its PROXY header). */
  peer: string;
  device: string | undefined;
  failed: boolean;
  code?: string;
  /** Authentication failed (wrong string or certificate, or the device was locked): per-address limits count it. */
  authFailed?: boolean;
}

export class SessionDriver {
  private readonly session: CapfSession;
  private readonly reader: FrameReader;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;
  /** The backend has been told the session ended (once). */
  private released = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  /** Async backend calls still running; the driver is done only when they have settled. */
  private inFlight = 0;
  /** Backend calls run one after another: a failure recorded once the phone left lands after the write that began the operation. */
  private backendQueue: Promise<void> = Promise.resolve();
  /** Why the connection broke, when it did (reset, TLS alert): the session's failure says it. */
  private socketError: string | undefined;
  private failureCode: string | undefined;

  constructor(
    private readonly socket: TLSSocket,
    readonly sessionId: number,
    /** The phone's real address: what logs show and what per-address limits count. */
    readonly peer: PeerAddress,
    private readonly backend: SessionBackend,
    private readonly logger: CapfLogger,
    private readonly timeouts: SessionTimeouts,
    maxBodyLength: number,
    private readonly hooks: SessionHooks = {},
  ) {
    this.session = new CapfSession(sessionId);
    this.reader = new FrameReader(maxBodyLength);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Starts the session; resolves when the socket is closed and every store write has settled. */
  run(): Promise<void> {
    if (this.socket.destroyed) {
      // The phone left before the session started (e.g. while the IPv6 parameter was read): 'close' has fired already.
      this.onClosed();
      return this.done;
    }
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => {
      // A broken connection (reset, TLS alert such as a refused renegotiation) is over: close it, and the session
      // ends with this as its one logged reason.
      this.socketError ??= error.message.trim();
      this.socket.destroy();
    });
    this.socket.on('close', () => this.onClosed());
    this.feed({ type: 'start' });
    return this.done;
  }

  private onClosed(): void {
    if (this.finished) return;
    this.clearTimer();
    this.feed({ type: 'peer-closed', ...(this.socketError ? { reason: this.socketError } : {}) });
    this.finished = true;
    this.settle();
  }

  summary(): SessionSummary {
    return {
      sessionId: this.sessionId,
      peer: this.peer.address,
      device: this.session.name,
      failed: this.failureCode !== undefined,
      ...(this.failureCode ? { code: this.failureCode } : {}),
      ...(this.session.authenticationFailure ? { authFailed: true } : {}),
    };
  }

  /** Ends the session early (server shutdown): END_SESSION 7 and the failure recorded. */
  abort(reason: string): void {
    this.feed({ type: 'abort', reason });
  }

  private onData(chunk: Buffer): void {
    if (this.session.currentState === 'ended') return;
    let messages;
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      if (error instanceof CapfError) return this.feed({ type: 'protocol-error', error });
      throw error;
    }
    for (const message of messages) {
      this.clearTimer();
      this.feed({ type: 'message', message });
    }
  }

  private feed(input: SessionInput): void {
    for (const action of this.session.handle(input)) this.execute(action);
  }

  private execute(action: SessionAction): void {
    switch (action.type) {
      case 'send':
        if (!this.socket.destroyed) this.socket.write(action.bytes); // one write per message (docs/protocol.md §1)
        return;
      case 'await-reply':
        if (action.timeout === 'message') return this.armTimer(this.timeouts.messageTimeoutMs);
        return this.armTimer(Math.max(0, this.timeouts.keygenTimeoutMs - (action.elapsedMs ?? 0)));
      case 'lookup-device':
        return this.call(
          () => this.backend.lookupDevice(action.deviceName, this.sessionId),
          (result) => ({ type: 'device', device: result.device, context: result.context }),
        );
      case 'begin-operation':
        return this.call(
          () => this.backend.beginOperation(action.deviceName, action.operationId, this.sessionId),
          () => ({ type: 'operation-begun' }),
          (error) => ({ type: 'begin-failed', reason: errorText(error) }),
        );
      case 'sign':
        return this.call(
          () => this.backend.sign({ ...action, sessionId: this.sessionId }),
          (outcome) => (outcome.kind === 'issued' ? { type: 'signed', certificate: outcome.certificate, certificateDer: outcome.certificateDer, ...(outcome.notice ? { notice: outcome.notice } : {}) } : { type: 'sign-failed', code: outcome.code, reason: outcome.reason }),
          (error) => ({ type: 'sign-failed', code: error instanceof CapfError ? error.code : 'SIGN_ERROR', reason: errorText(error) }),
        );
      case 'record':
        return this.call(
          () => this.backend.record(action, this.sessionId),
          (written) => {
            this.noteLock(action, written);
            return { type: 'recorded' };
          },
        );
      case 'close':
        this.clearTimer();
        this.socket.end();
        setTimeout(() => this.socket.destroy(), this.timeouts.closeGraceMs).unref();
        return;
      case 'log':
        if (action.event === 'session-failed' && this.failureCode === undefined) this.failureCode = String(action.detail.code);
        this.logger[action.level](action.event, { ...action.detail, peer: this.peer.address });
        if (action.event === 'session-failed' && this.session.authenticationFailure) {
          this.hooks.onAuthenticationFailure?.();
          this.recordAudit({ action: 'auth.failed', code: this.session.authenticationFailure, message: String(action.detail.reason) });
        }
        return;
    }
  }

  /** A wrong string that locked the device: one log line (and audit event) per lock, with the device and the peer. */
  private noteLock(action: RecordAction, written: Device | undefined): void {
    const outcome = action.outcome;
    if (outcome.status !== 'failed' || !outcome.authFailure || written?.lockedUntil === undefined) return;
    const failures = written.authFailures ?? 0;
    if (failures < outcome.authFailure.limit) return;
    this.logger.warn('device-locked', { sessionId: this.sessionId, device: action.deviceName, peer: this.peer.address, failures, until: written.lockedUntil });
    this.recordAudit({ action: 'auth.locked', code: 'LOCKED', message: written.statusReason ?? `locked until ${written.lockedUntil}` });
  }

  /** Best effort: an audit store that fails is logged, and the session goes on. */
  private recordAudit(event: Pick<AuditEvent, 'action' | 'code' | 'message'>): void {
    const audit = this.hooks.audit;
    if (!audit) return;
    const full: AuditEvent = {
      at: new Date().toISOString(),
      actor: 'phone',
      result: 'refused',
      peer: this.peer.address,
      sessionId: this.sessionId,
      ...(this.session.name ? { deviceName: this.session.name } : {}),
      ...event,
    };
    audit.record(full).catch((error: unknown) => this.logger.warn('audit-not-recorded', { sessionId: this.sessionId, action: event.action, reason: errorText(error) }));
  }

  /**
   * Runs backend work after the calls before it and feeds its result back; a failure becomes `onError`'s input (by
   * default store-failed), which the session logs once with its reason.
   */
  private call<T>(work: () => Promise<T>, onResult: (value: T) => SessionInput, onError?: (error: unknown) => SessionInput): void {
    this.inFlight += 1;
    const run = () =>
      work()
        .then(
          (value) => this.feed(onResult(value)),
          (error: unknown) => this.feed(onError ? onError(error) : { type: 'store-failed', reason: errorText(error) }),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.settle();
        });
    const next = this.backendQueue.then(run);
    this.backendQueue = next.catch(() => undefined);
  }

  private settle(): void {
    if (!this.finished || this.inFlight > 0 || this.released) return;
    this.released = true;
    this.backend.endSession?.(this.sessionId);
    this.resolveDone();
  }

  private armTimer(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.feed({ type: 'timeout' }), ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
