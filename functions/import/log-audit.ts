// Until the audit store lands, the import function's audit events go to its log as structured lines (CloudWatch keeps
// and queries them); the import records through the AuditLog port, so the store replaces this by one line in handler.ts.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AuditEvent, AuditLog } from '../../shared/ports/index.ts';

export class LogAuditLog implements AuditLog {
  constructor(private readonly logger: Logger | undefined) {}

  record(event: AuditEvent): Promise<void> {
    this.logger?.info('audit', { audit: event });
    return Promise.resolve();
  }
}
