// The trust and CAPF-certificate administration (shared/admin/trust.ts, shared/admin/ca.ts) wired for the local stack:
// the data folder's store (trust entries, and the audit trail `capf audit list` shows) and its CA files.
import { CaAdmin } from '../../shared/admin/ca.ts';
import { TrustAdmin } from '../../shared/admin/trust.ts';
import type { AuditLog, Stores } from '../../shared/ports/index.ts';
import { LocalCaCustody } from './local-ca-custody.ts';

export interface LocalAdmin {
  trust: TrustAdmin;
  ca: CaAdmin;
  audit: AuditLog;
}

export function localAdmin(dataDir: string, stores: Pick<Stores, 'trust' | 'audit'>): LocalAdmin {
  const trust = new TrustAdmin({ trust: stores.trust, audit: stores.audit });
  return { trust, ca: new CaAdmin({ custody: new LocalCaCustody(dataDir), trust, audit: stores.audit }), audit: stores.audit };
}
