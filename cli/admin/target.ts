// What the admin commands (`capf device`, `capf params`) ask of the service they administer. Today: the data
// folder's store (the running stack's dynalite, or the folder opened by this process); the API client implements the
// same contract for --endpoint.
import type { Device, CertificateOperation, OperationStatus } from '../../shared/model.ts';
import type { DeviceSettings, IssuanceRecord, ServiceParameters } from '../../shared/ports/index.ts';

export interface DeviceFilter {
  status?: OperationStatus;
  /** Names starting with this (upper case, as names are stored). */
  prefix?: string;
  operation?: CertificateOperation;
  limit?: number;
}

/** A device as administrators see it: never its authentication string, only whether one is set. */
export type VisibleDevice = Omit<Device, 'authString'> & { authStringSet?: boolean };

export interface AdminTarget {
  /** Where the commands act, for messages ("data folder /x/.capf"). */
  readonly description: string;
  getDevice(name: string): Promise<VisibleDevice | undefined>;
  /** The device with its authentication string, to merge a change into (only set needs it). */
  getDeviceForChange(name: string): Promise<Device | undefined>;
  putDevice(settings: DeviceSettings, options: { newOperation: boolean }): Promise<VisibleDevice>;
  listDevices(filter: DeviceFilter): Promise<VisibleDevice[]>;
  /** The device's issuance records (its certificates and their states), oldest first. */
  deviceCertificates(name: string): Promise<IssuanceRecord[]>;
  /** False when there was no such device. */
  deleteDevice(name: string): Promise<boolean>;
  getParameters(): Promise<ServiceParameters>;
  setParameters(change: Partial<ServiceParameters>): Promise<ServiceParameters>;
  close(): Promise<void>;
}

export function visibleDevice(device: Device): VisibleDevice {
  const { authString, ...visible } = device;
  return device.authMode === 'auth-string' ? { ...visible, authStringSet: authString !== undefined } : visible;
}

export function matchesFilter(device: Pick<Device, 'name' | 'status' | 'operation'>, filter: DeviceFilter): boolean {
  if (filter.status && device.status !== filter.status) return false;
  if (filter.operation && device.operation !== filter.operation) return false;
  return !filter.prefix || device.name.startsWith(filter.prefix);
}
