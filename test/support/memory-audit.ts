// An AuditLog that keeps events in memory, for tests that assert what was recorded.
import type { AuditEvent, AuditLog, AuditRecordOptions } from '../../shared/ports/index.ts';

export class MemoryAudit implements AuditLog {
  readonly events: AuditEvent[] = [];

  private readonly ids = new Set<string>();

  /** Keeps one event per (at, id) when an id is given, as the store does. */
  record(event: AuditEvent, options: AuditRecordOptions = {}): Promise<void> {
    if (options.id !== undefined) {
      const key = `${event.at}#${options.id}`;
      if (this.ids.has(key)) return Promise.resolve();
      this.ids.add(key);
    }
    this.events.push(event);
    return Promise.resolve();
  }

  of(action: string): AuditEvent[] {
    return this.events.filter((event) => event.action === action);
  }
}
