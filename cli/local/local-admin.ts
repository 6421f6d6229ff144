// The trust and CAPF-certificate administration (shared/admin/trust.ts, shared/admin/ca.ts) wired for the local stack:
// the data folder's store and CA files. Audit events go to `<data>/audit.jsonl` (one JSON event per line, mode
// 0600) until the admin service's audit store is wired here.
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CaAdmin } from '../../shared/admin/ca.ts';
import { TrustAdmin } from '../../shared/admin/trust.ts';
import type { AuditEvent, AuditLog, Stores } from '../../shared/ports/index.ts';
import { LocalCaCustody } from './local-ca-custody.ts';

export const AUDIT_FILE = 'audit.jsonl';

/** An AuditLog appending to a JSON-lines file; each event is one write, so concurrent processes do not interleave. */
export class JsonLinesAuditLog implements AuditLog {
  constructor(readonly path: string) {}

  async record(event: AuditEvent): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(event)}\n`, { mode: 0o600 });
  }
}

export interface LocalAdmin {
  trust: TrustAdmin;
  ca: CaAdmin;
  audit: AuditLog;
}

export function localAdmin(dataDir: string, stores: Pick<Stores, 'trust'>): LocalAdmin {
  const audit = new JsonLinesAuditLog(join(dataDir, AUDIT_FILE));
  const trust = new TrustAdmin({ trust: stores.trust, audit });
  return { trust, ca: new CaAdmin({ custody: new LocalCaCustody(dataDir), trust, audit }), audit };
}
