// What the admin commands (`capf device`, `capf params`, `capf audit`) ask of the service they administer: the admin
// API (a local stack's or a deployed one's, api-target.ts) or, with neither, the data folder's store
// (store-target.ts). Changes are expressed as the API takes them, so both behave alike.
import type { MonitorTarget, OfflineTarget } from './offline-monitor-target.ts';
import type { AuditEvent } from '../../shared/ports/index.ts';
import type { Device, CertificateOperation, OperationStatus } from '../../shared/model.ts';
import type { CertificateView } from '../../shared/admin/certificate-view.ts';
import type { ServiceParameters, TrustEntry, TrustStoreName } from '../../shared/ports/index.ts';
import type { TrustEntrySummary, TrustUploadResult } from '../../shared/admin/trust.ts';
import type { CaChangeResult, CapfCaView, RegenerateOptions } from '../../shared/admin/ca.ts';

export interface DeviceFilter {
  status?: OperationStatus;
  /** Names starting with this (upper case, as names are stored). */
  prefix?: string;
  operation?: CertificateOperation;
  limit?: number;
}

export interface AuditFilter {
  device?: string;
  /** Exact: an IAM principal ARN, `local`, `phone`. */
  actor?: string;
  /** ISO time: events at or after it. */
  since?: string;
  limit?: number;
}

/** A device as administrators see it: never its authentication string, only whether one is set. */
export type VisibleDevice = Omit<Device, 'authString'> & { authStringSet?: boolean };

/** A change of a device as the admin API takes it (PATCH /v1/devices/{name}). */
export interface DeviceChange {
  operation?: Device['operation'];
  authMode?: Device['authMode'];
  authString?: string;
  generateAuthString?: boolean;
  keyOrder?: Device['keyOrder'];
  rsaKeySize?: number;
  curve?: Device['curve'];
  /** null removes the deadline. */
  completesBy?: string | null;
}

export interface DeviceWrite {
  /** The device before the change; undefined: it was created. */
  before: VisibleDevice | undefined;
  device: VisibleDevice;
  created: boolean;
  /** The string --generate made, shown once. */
  generated?: string;
}

/** CAPF-trust and CallManager-trust (F6), as `capf trust` uses them; the actor is the target's (local, the IAM caller). */
export interface TrustTarget {
  list(store?: TrustStoreName): Promise<TrustEntrySummary[]>;
  add(pem: string, options: { store: TrustStoreName; description?: string }): Promise<TrustUploadResult>;
  show(id: string, store?: TrustStoreName): Promise<TrustEntry[]>;
  remove(id: string, store?: TrustStoreName): Promise<TrustEntrySummary>;
  removeMicRoots(): Promise<TrustEntrySummary[]>;
}

/** The CAPF certificate (F4), as `capf ca` uses it. */
export interface CaTarget {
  show(): Promise<CapfCaView>;
  /** PEM, never the key. */
  export(): Promise<string>;
  regenerate(options: RegenerateOptions): Promise<CaChangeResult>;
  import(certificatePem: string, privateKeyPem: string): Promise<CaChangeResult>;
}

export interface AdminTarget {
  /** Where the commands act, for messages ("data folder /x/.capf", "admin API http://127.0.0.1:3805"). */
  readonly description: string;
  getDevice(name: string): Promise<VisibleDevice | undefined>;
  /**
   * Creates or changes the device; `arm` (an --operation was given) arms the operation again even if unchanged. A device
   * created gets the settings of `template` (else of the default template) for what `change` leaves out.
   */
  setDevice(name: string, change: DeviceChange, options: { arm: boolean; template?: string }): Promise<DeviceWrite>;
  /** The device's issuance records (its certificates and their states), oldest first; undefined when not offered. */
  deviceCertificates(name: string): Promise<CertificateView[] | undefined>;
  listDevices(filter: DeviceFilter): Promise<VisibleDevice[]>;
  /** False when there was no such device. */
  deleteDevice(name: string): Promise<boolean>;
  getParameters(): Promise<ServiceParameters>;
  setParameters(change: Partial<ServiceParameters>): Promise<ServiceParameters>;
  listAudit(filter: AuditFilter): Promise<AuditEvent[]>;
  readonly trust: TrustTarget;
  readonly ca: CaTarget;
  /** The offline CA's CSRs, stale LSCs and imports. */
  readonly offline: OfflineTarget;
  /** The expiry monitor: a run now, the expiry report. */
  readonly monitor: MonitorTarget;
  close(): Promise<void>;
}

export function visibleDevice(device: Device): VisibleDevice {
  const { authString, ...visible } = device;
  return { ...visible, authStringSet: authString !== undefined };
}

export function matchesFilter(device: Pick<Device, 'name' | 'status' | 'operation'>, filter: DeviceFilter): boolean {
  if (filter.status && device.status !== filter.status) return false;
  if (filter.operation && device.operation !== filter.operation) return false;
  return !filter.prefix || device.name.startsWith(filter.prefix);
}
