// What `capf csr`, `capf stale-lsc`, `capf cert import` (the offline CA, F3/F20/F21) and `capf monitor run`,
// `capf report expiry` (F19) ask of the service they administer: the admin API (--endpoint, a running capf serve) or
// the data folder's store, as the device commands do (target.ts).
import { CsrAdmin, type CsrSummary, type StaleLsc } from '../../shared/admin/csrs.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { ImportReport } from '../../shared/issuers/offline/certificate-import.ts';
import { DAY_MS } from '../../shared/monitor/index.ts';
import type { ExpiryRow } from '../../shared/monitor-service/expiry-report.ts';
import type { MonitorSummary } from '../../shared/monitor-service/run.ts';
import type { Stores } from '../../shared/ports/index.ts';
import type { LocalAdmin } from '../local/local-admin.ts';
import type { ApiCall } from './api-transport.ts';

export interface OfflineTarget {
  listCsrs(all: boolean): Promise<CsrSummary[]>;
  countCsrs(): Promise<{ pending: number; imported: number }>;
  /** NAME: the file name from the list, the object key, or a device name (its newest CSR). */
  showCsr(name: string): Promise<CsrSummary & { pem: string }>;
  /** Deletes the record and the CSR's object in the bucket (the API of capf serve or AWS, or the data folder's files). */
  deleteCsr(name: string): Promise<CsrSummary>;
  deleteAllCsrs(): Promise<number>;
  staleList(): Promise<StaleLsc[]>;
  staleDeleteAll(): Promise<number>;
  /** Imports the bytes of one file as an upload under signed/ would be. */
  importFile(name: string, bytes: Uint8Array): Promise<ImportReport>;
}

export interface MonitorTarget {
  run(dryRun: boolean): Promise<MonitorSummary>;
  expiryReport(withinMs: number): Promise<ExpiryRow[]>;
}

type Body = <T>(call: ApiCall, accept?: number[]) => Promise<T>;

const csrPath = (name: string) => `/v1/csrs/${encodeURIComponent(name)}`;

export function apiOfflineTarget(body: Body): OfflineTarget {
  return {
    listCsrs: async (all) => (await body<{ csrs: CsrSummary[] }>({ method: 'GET', path: '/v1/csrs', query: { all: all ? 'true' : undefined } })).csrs,
    countCsrs: () => body({ method: 'GET', path: '/v1/csrs/count' }),
    showCsr: (name) => body({ method: 'GET', path: csrPath(name) }),
    deleteCsr: async (name) => (await body<{ deleted: CsrSummary }>({ method: 'DELETE', path: csrPath(name) })).deleted,
    deleteAllCsrs: async () => (await body<{ deleted: number }>({ method: 'POST', path: '/v1/csrs/delete-all' })).deleted,
    staleList: async () => (await body<{ staleLscs: StaleLsc[] }>({ method: 'GET', path: '/v1/stale-lscs' })).staleLscs,
    staleDeleteAll: async () => (await body<{ deleted: number }>({ method: 'POST', path: '/v1/stale-lscs/delete-all' })).deleted,
    importFile: (name, bytes) => body({ method: 'POST', path: '/v1/certificates/import', body: { name, content: Buffer.from(bytes).toString('base64') } }),
  };
}

/** The span as the API takes it: whole days as `30d`, else hours. */
function spanText(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : `${Math.ceil(ms / 3_600_000)}h`;
}

export function apiMonitorTarget(body: Body): MonitorTarget {
  return {
    run: (dryRun) => body({ method: 'POST', path: '/v1/monitor/run', body: { dryRun } }),
    expiryReport: async (withinMs) => (await body<{ rows: ExpiryRow[] }>({ method: 'GET', path: '/v1/reports/expiry', query: { within: spanText(withinMs) } })).rows,
  };
}

const LOCAL = { actor: 'local' };

/**
 * On the data folder: deletions also remove the CSR objects from the folder's bucket files (s3rver started for the
 * deletion, cli/local/local-csr-bucket.ts), as `capf serve`'s API does with its running bucket.
 */
export function storeOfflineTarget(admin: LocalAdmin, dataDir: string, stores: Pick<Stores, 'csrs' | 'audit'>): OfflineTarget {
  const csrs = () => {
    if (!admin.csrs) throw new ValidationError('this data folder has no CSR store', 'NO_CSR_STORE');
    return admin.csrs;
  };
  const withBucket = async <T>(work: (csrAdmin: CsrAdmin) => Promise<T>): Promise<T> => {
    const { withLocalBucketFiles } = await import('../local/local-csr-bucket.ts'); // s3rver loads only for a deletion
    return withLocalBucketFiles(dataDir, (bucket) => work(new CsrAdmin({ csrs: stores.csrs, audit: stores.audit, ...(bucket ? { bucket } : {}) })));
  };
  return {
    listCsrs: (all) => csrs().list({ all }),
    countCsrs: () => csrs().count(),
    showCsr: (name) => csrs().show(name),
    deleteCsr: (name) => withBucket((csrAdmin) => csrAdmin.delete(LOCAL, name)),
    deleteAllCsrs: () => withBucket((csrAdmin) => csrAdmin.deleteAll(LOCAL)),
    staleList: () => csrs().staleList(),
    staleDeleteAll: () => csrs().staleDeleteAll(LOCAL),
    importFile: (name, bytes) => {
      if (!admin.certificates) throw new ValidationError('this data folder has no CSR store', 'NO_CSR_STORE');
      return admin.certificates.importBytes(`cli:${name}`, bytes);
    },
  };
}

export function storeMonitorTarget(store: Stores, dataDir: string): MonitorTarget {
  const ca = async () => (await import('../local/ca-files.ts')).loadLocalCa(dataDir);
  return {
    run: async (dryRun) => (await import('../local/local-monitor.ts')).localMonitor({ dataDir, stores: store, ca: await ca() }).run({ dryRun }),
    expiryReport: async (withinMs) =>
      (await import('../../shared/monitor-service/expiry-report.ts')).expiryReport({ issuances: store.issuances, devices: store.devices, capfCertificateDer: (await ca()).certificateDer, withinMs, now: new Date() }),
  };
}
