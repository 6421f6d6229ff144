// The stores of one deployment, one per entity. A composition root builds them once (shared/store/dynamo-stores.ts on
// one DynamoDB table) and hands each consumer the ones it uses. A new entity (CSRs, CAPF-trust, audit) adds its port
// file, its adapter and one member here.
import type { AuditStore } from './audit-store.ts';
import type { DeviceStore } from './device-store.ts';
import type { IssuanceStore } from './issuance-store.ts';
import type { ParameterStore } from './parameter-store.ts';
import type { TrustStore } from './trust-store.ts';
import type { PendingCsrStore } from './pending-csr-store.ts';
import type { MonitorStore } from './monitor-store.ts';
import type { TemplateStore } from './template-store.ts';
import type { BulkStore } from './bulk-store.ts';

export interface Stores {
  devices: DeviceStore;
  issuances: IssuanceStore;
  parameters: ParameterStore;
  trust: TrustStore;
  /** The offline CA's pending CSRs (F3, F21). */
  csrs: PendingCsrStore;
  /** The expiry monitor's sent notices, revocations and CRL state (F19). */
  monitor: MonitorStore;
  audit: AuditStore;
  /** Universal device templates (F10). */
  templates: TemplateStore;
  /** Bulk jobs (F11). */
  bulk: BulkStore;
}
