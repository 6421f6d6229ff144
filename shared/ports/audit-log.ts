// The audit trail (F23): who did what to which device or setting, and how it ended. Administrators' changes (admin
// service), phone sessions' outcomes (listener), imports, bulk jobs and the expiry monitor all record here; the admin
// API lists them. Adapters: the DynamoDB audit store (AWS, dynalite, moto). On the enrolment path a recorder must not
// add a store call per session: buffer and write in batches, or fold the event into a write that happens anyway.

/** Who acted: an IAM principal ARN (deployed admin API), `local` (local admin API or CLI on the data folder), `phone`
 *  (a CAPF session), or `system:<part>` (system:monitor, system:bulk, system:import). */
export type AuditActor = string;

export type AuditResult = 'ok' | 'refused' | 'failed';

export interface AuditEvent {
  /** ISO 8601 UTC. */
  at: string;
  actor: AuditActor;
  /** Dotted verb, e.g. device.create, device.update, device.delete, params.update, trust.add, ca.regenerate,
   *  session.end, auth.failed, auth.locked, certificate.import, bulk.run. */
  action: string;
  result: AuditResult;
  /** The device concerned, when there is one (indexes the per-device trail). */
  deviceName?: string;
  /** What else the event concerns when it is not a device: a trust entry id, a job id, `parameters`, `capf-ca`. */
  target?: string;
  /** A stable reason code for refused/failed results (e.g. AUTH_STRING_WRONG, LOCKED, SESSION_ID_MISMATCH). */
  code?: string;
  /** One line for people. Never an authentication string, a password or key material. */
  message?: string;
  /** The changed fields before and after (secrets redacted: an auth string appears as "(set)" or "(cleared)"). */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** The phone's address (after PROXY protocol), for session events. */
  peer?: string;
  sessionId?: number;
}

/** How an event is recorded. */
export interface AuditRecordOptions {
  /**
   * A deterministic id (8-64 characters of A-Z a-z 0-9 _ -) for an event that a step retried after a crash may record
   * again: the store keeps one event per (at, id), so a second record with the same time and id changes nothing.
   */
  id?: string;
}

/** Records audit events. `record` may buffer (the listener's recorder batches); `flush` writes what is buffered. */
export interface AuditLog {
  record(event: AuditEvent, options?: AuditRecordOptions): Promise<void>;
  flush?(): Promise<void>;
}
