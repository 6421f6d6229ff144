// The AdminTarget over the admin API (docs/openapi.yaml): a local stack's or a deployed one's, whichever transport
// reaches it. An error answer ({ code, message, allowed? }) becomes one CLI error line with that code and the exit
// code its status means: 404 not found (2), other 4xx refused (1), 5xx and no answer the service (3).
import { apiMonitorTarget, apiOfflineTarget, type MonitorTarget, type OfflineTarget } from './offline-monitor-target.ts';
import type { CertificateView } from '../../shared/admin/certificate-view.ts';
import type { CapfError } from '../../shared/errors.ts';
import type { AuditEvent, ServiceParameters, TrustEntry, TrustStoreName } from '../../shared/ports/index.ts';
import { ServiceError } from '../exit-codes.ts';
import type { ApiAnswer, ApiCall, ApiTransport } from './api-transport.ts';
import type { CaChangeResult, CapfCaView } from '../../shared/admin/ca.ts';
import type { TrustEntrySummary, TrustUploadResult } from '../../shared/admin/trust.ts';
import type { AdminTarget, AuditFilter, CaTarget, DeviceChange, DeviceFilter, DeviceWrite, TrustTarget, VisibleDevice } from './target.ts';

/** Most items asked per page; a --limit above it takes several pages. */
const PAGE_SIZE = 100;

interface ErrorBody {
  code?: string;
  message?: string;
  allowed?: unknown;
}

/** The CLI error an error answer of the admin API becomes (its code, and the exit code its status means). */
export function failure(answer: ApiAnswer, where: string): CapfError {
  const body = (answer.body ?? {}) as ErrorBody;
  const code = typeof body.code === 'string' ? body.code : `HTTP_${answer.status}`;
  const allowed = body.allowed === undefined ? '' : ` (allowed: ${typeof body.allowed === 'string' ? body.allowed : JSON.stringify(body.allowed)})`;
  const message = `${typeof body.message === 'string' ? body.message : `the admin API answered ${answer.status}`}${allowed}`;
  if (answer.status === 404) return new ServiceError(message, code, 2);
  if (answer.status === 401 || answer.status === 403) {
    return new ServiceError(`${where} refused the credentials: ${message} (local: the token is <data>/admin-token; AWS: the caller needs execute-api:Invoke on the admin API)`, code, 1);
  }
  if (answer.status >= 500) return new ServiceError(`${where} failed: ${message}`, code, 3);
  return new ServiceError(message, code, 1);
}

export class ApiTarget implements AdminTarget {
  readonly description: string;
  readonly trust: TrustTarget;
  readonly ca: CaTarget;
  readonly offline: OfflineTarget;
  readonly monitor: MonitorTarget;

  constructor(private readonly transport: ApiTransport) {
    this.description = transport.description;
    const trustPath = (id: string) => `/v1/trust/${encodeURIComponent(id)}`;
    const body = async <T>(call: ApiCall, accept?: number[]): Promise<T> => (await this.call<T>(call, accept)).body;
    this.trust = {
      list: async (store?: TrustStoreName) => (await body<{ entries: TrustEntrySummary[] }>({ method: 'GET', path: '/v1/trust', query: { store } })).entries,
      add: (pem, options) => body<TrustUploadResult>({ method: 'POST', path: '/v1/trust', body: { pem, ...options } }, [201]),
      show: async (id, store) => (await body<{ entries: TrustEntry[] }>({ method: 'GET', path: trustPath(id), query: { store } })).entries,
      remove: async (id, store) => (await body<{ removed: TrustEntrySummary }>({ method: 'DELETE', path: trustPath(id), query: { store } })).removed,
      removeMicRoots: async () => (await body<{ removed: TrustEntrySummary[] }>({ method: 'POST', path: '/v1/trust/remove-mic-roots' })).removed,
    };
    this.ca = {
      show: () => body<CapfCaView>({ method: 'GET', path: '/v1/ca' }),
      export: async () => (await body<{ pem: string }>({ method: 'GET', path: '/v1/ca/certificate' })).pem,
      regenerate: (options) => body<CaChangeResult>({ method: 'POST', path: '/v1/ca/regenerate', body: options }),
      import: (certificatePem, privateKeyPem) => body<CaChangeResult>({ method: 'POST', path: '/v1/ca/import', body: { certificatePem, privateKeyPem } }),
    };
    this.offline = apiOfflineTarget(body);
    this.monitor = apiMonitorTarget(body);
  }

  private async call<T>(call: ApiCall, accept: number[] = [200]): Promise<{ status: number; body: T }> {
    const answer = await this.transport.send(call);
    if (!accept.includes(answer.status)) throw failure(answer, this.description);
    return answer as { status: number; body: T };
  }

  /** undefined on 404, the body otherwise. */
  private async find<T>(call: ApiCall): Promise<T | undefined> {
    const answer = await this.transport.send(call);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw failure(answer, this.description);
    return answer.body as T;
  }

  getDevice(name: string): Promise<VisibleDevice | undefined> {
    return this.find<VisibleDevice>({ method: 'GET', path: `/v1/devices/${encodeURIComponent(name)}` });
  }

  async setDevice(name: string, change: DeviceChange, options: { arm: boolean; template?: string }): Promise<DeviceWrite> {
    const path = `/v1/devices/${encodeURIComponent(name)}`;
    const existing = await this.getDevice(name);
    let answer;
    if (!existing) answer = await this.call<VisibleDevice & { authString?: string }>({ method: 'POST', path: '/v1/devices', body: { name, ...change, ...(options.template !== undefined ? { template: options.template } : {}) } }, [200, 201]);
    else if (options.arm) answer = await this.call<VisibleDevice & { authString?: string }>({ method: 'POST', path: `${path}/operation`, body: change });
    else answer = await this.call<VisibleDevice & { authString?: string }>({ method: 'PATCH', path, body: change });
    const { authString, ...device } = answer.body;
    return { before: existing, device, created: !existing, ...(authString ? { generated: authString } : {}) };
  }

  async deviceCertificates(name: string): Promise<CertificateView[] | undefined> {
    return (await this.find<{ certificates: CertificateView[] }>({ method: 'GET', path: `/v1/devices/${encodeURIComponent(name)}/certificates` }))?.certificates;
  }

  async listDevices(filter: DeviceFilter): Promise<VisibleDevice[]> {
    const out: VisibleDevice[] = [];
    let cursor: string | undefined;
    do {
      const want = filter.limit === undefined ? PAGE_SIZE : Math.min(PAGE_SIZE, filter.limit - out.length);
      const page = await this.call<{ devices: VisibleDevice[]; nextCursor?: string }>({
        method: 'GET',
        path: '/v1/devices',
        query: { status: filter.status, prefix: filter.prefix, operation: filter.operation, limit: String(want), cursor },
      });
      out.push(...page.body.devices);
      cursor = page.body.nextCursor;
    } while (cursor !== undefined && (filter.limit === undefined || out.length < filter.limit));
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  async deleteDevice(name: string): Promise<boolean> {
    const answer = await this.transport.send({ method: 'DELETE', path: `/v1/devices/${encodeURIComponent(name)}` });
    if (answer.status === 404) return false;
    if (answer.status !== 200 && answer.status !== 204) throw failure(answer, this.description);
    return true;
  }

  async getParameters(): Promise<ServiceParameters> {
    return (await this.call<ServiceParameters>({ method: 'GET', path: '/v1/parameters' })).body;
  }

  async setParameters(change: Partial<ServiceParameters>): Promise<ServiceParameters> {
    return (await this.call<ServiceParameters>({ method: 'PATCH', path: '/v1/parameters', body: change })).body;
  }

  async listAudit(filter: AuditFilter): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    let cursor: string | undefined;
    do {
      const want = filter.limit === undefined ? PAGE_SIZE : Math.min(PAGE_SIZE, filter.limit - out.length);
      const page = await this.call<{ events: AuditEvent[]; nextCursor?: string }>({
        method: 'GET',
        path: '/v1/audit',
        query: { device: filter.device, actor: filter.actor, since: filter.since, limit: String(want), cursor },
      });
      out.push(...page.body.events);
      cursor = page.body.nextCursor;
    } while (cursor !== undefined && (filter.limit === undefined || out.length < filter.limit));
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  async close(): Promise<void> {}
}
