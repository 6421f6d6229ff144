// The audit store port: the AuditLog (audit-log.ts) that also writes many events in one call (the listener's batched
// recorder) and lists them for the admin API, newest first, by device or by time. Adapter:
// shared/store/dynamo-audit-store.ts (day partitions by time, an index by device).
import type { AuditEvent, AuditLog } from './audit-log.ts';

export interface AuditQuery {
  /** Only this device's events (the per-device index). */
  deviceName?: string;
  /** ISO 8601; events at or after. */
  since?: string;
  /** ISO 8601; events before. */
  until?: string;
  /** Only events of this actor (exact: an IAM principal ARN, `local`, `phone`...); a filter on the items read. */
  actor?: string;
  /** 1..1000 events per page. */
  limit: number;
  /** Opaque, from the previous page's nextCursor. */
  cursor?: string;
}

export interface AuditPage {
  events: AuditEvent[];
  nextCursor?: string;
}

export interface AuditStore extends AuditLog {
  /** Writes the events in as few store calls as the store allows (25 per call in DynamoDB); nothing is buffered. */
  recordMany(events: readonly AuditEvent[]): Promise<void>;
  list(query: AuditQuery): Promise<AuditPage>;
}
