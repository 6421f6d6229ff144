// The trust and CAPF-certificate administration (shared/admin/trust.ts, shared/admin/ca.ts) wired for the local stack:
// the data folder's store (trust entries, and the audit trail `capf audit list` shows) and its CA files.
import { CaAdmin } from '../../shared/admin/ca.ts';
import { TrustAdmin } from '../../shared/admin/trust.ts';
import { CsrAdmin } from '../../shared/admin/csrs.ts';
import { CertificateImporter } from '../../shared/issuers/offline/certificate-import.ts';
import { pemToDer } from '../../shared/pki/index.ts';
import type { AuditLog, Stores } from '../../shared/ports/index.ts';
import { LocalCaCustody } from './local-ca-custody.ts';

export interface LocalAdmin {
  trust: TrustAdmin;
  ca: CaAdmin;
  audit: AuditLog;
  /** The offline CA's pending CSRs and stale LSCs (F20, F21), when the stores hold them. */
  csrs?: CsrAdmin;
  /** The offline CA's import (`capf cert import`), as the bucket's import does it. */
  certificates?: CertificateImporter;
}

export function localAdmin(dataDir: string, stores: Pick<Stores, 'trust' | 'audit'> & Partial<Pick<Stores, 'csrs' | 'issuances'>>): LocalAdmin {
  const audit = stores.audit;
  const trust = new TrustAdmin({ trust: stores.trust, audit });
  const offline =
    stores.csrs && stores.issuances
      ? {
          csrs: new CsrAdmin({ csrs: stores.csrs, audit }),
          certificates: new CertificateImporter({
            csrs: stores.csrs,
            issuances: stores.issuances,
            audit,
            actor: 'local',
            trustAnchors: async () => (await stores.trust.list('capf')).map((entry) => pemToDer(entry.pem)),
          }),
        }
      : {};
  return { trust, ca: new CaAdmin({ custody: new LocalCaCustody(dataDir), trust, audit }), audit, ...offline };
}
