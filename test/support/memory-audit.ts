// An AuditLog that keeps events in memory, for tests that assert what was recorded.
import type { AuditEvent, AuditLog } from '../../shared/ports/index.ts';

export class MemoryAudit implements AuditLog {
  readonly events: AuditEvent[] = [];

  record(event: AuditEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }

  of(action: string): AuditEvent[] {
    return this.events.filter((event) => event.action === action);
  }
}
