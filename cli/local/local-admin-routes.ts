// The route modules the local admin API serves beside the core ones (devices, parameters, audit): the trust stores,
// the offline CA's CSRs, stale LSCs and imports (deleting a CSR removes its object from the local bucket when the
// offline issuer runs), and the expiry monitor (a run now, the expiry report, <data>/capf.crl as GET /crl).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CsrAdmin } from '../../shared/admin/csrs.ts';
import type { RouteModule } from '../../shared/admin/http/index.ts';
import { monitorRoutes } from '../../shared/admin/http/monitor-routes.ts';
import { offlineCaRoutes } from '../../shared/admin/http/offline-ca-routes.ts';
import { trustRoutes } from '../../shared/admin/http/trust-routes.ts';
import { CertificateImporter } from '../../shared/issuers/offline/certificate-import.ts';
import { expiryReport } from '../../shared/monitor-service/expiry-report.ts';
import { pemToDer } from '../../shared/pki/index.ts';
import type { CsrBucket, Stores } from '../../shared/ports/index.ts';
import { loadLocalCa } from './ca-files.ts';
import { localAdmin } from './local-admin.ts';
import { LOCAL_CRL_FILE, localMonitor } from './local-monitor.ts';

export interface LocalRouteOptions {
  dataDir: string;
  stores: Stores;
  /** The offline CA's bucket, when `capf serve --issuer offline` runs one. */
  csrBucket?: CsrBucket;
}

/** The CRL the monitor last wrote, or undefined before the first run. */
export async function readLocalCrl(dataDir: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(join(dataDir, LOCAL_CRL_FILE)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function localRouteModules(options: LocalRouteOptions): RouteModule[] {
  const { dataDir, stores } = options;
  const trustAnchors = async () => (await stores.trust.list('capf')).map((entry) => pemToDer(entry.pem));
  return [
    trustRoutes(localAdmin(dataDir, stores).trust),
    offlineCaRoutes({
      csrs: new CsrAdmin({ csrs: stores.csrs, audit: stores.audit, ...(options.csrBucket ? { bucket: options.csrBucket } : {}) }),
      importer: (actor) => new CertificateImporter({ csrs: stores.csrs, issuances: stores.issuances, audit: stores.audit, actor, trustAnchors }),
    }),
    monitorRoutes({
      run: async ({ dryRun }) => localMonitor({ dataDir, stores, ca: await loadLocalCa(dataDir) }).run({ dryRun }),
      expiryReport: async (withinMs) => expiryReport({ issuances: stores.issuances, devices: stores.devices, capfCertificateDer: (await loadLocalCa(dataDir)).certificateDer, withinMs, now: new Date() }),
      crl: () => readLocalCrl(dataDir),
    }),
  ];
}
