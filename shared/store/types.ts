// The store's contract. The DynamoDB implementation (dynamo-store.ts) runs unchanged on AWS, dynalite and moto_server:
// single-item conditional writes only (dynalite has no transactions, TTL or PartiQL).
import type { Device, StoredCertificate } from '../model.ts';

export type DeviceSettings = Omit<Device, 'status' | 'statusAt' | 'statusReason' | 'statusSessionId' | 'lsc' | 'fetched' | 'createdAt' | 'updatedAt' | 'version' | 'operationId'>;

/** How an operation ended, written once, conditional on the operation id it started under. */
export type OperationOutcome =
  | { status: 'success'; lsc?: StoredCertificate | null; fetched?: Device['fetched'] } // lsc null = deleted
  | { status: 'failed'; reason: string; keepOperation: boolean };

/** One issued certificate, keyed by (device, operation id, public key hash): a retry finds it instead of signing again. */
export interface IssuanceRecord {
  deviceName: string;
  operationId: string;
  spkiSha256: string; // lowercase hex
  requestId: string;
  state: 'issued' | 'installed' | 'abandoned';
  certificate: StoredCertificate;
  chainPem: string[];
  issuer: string; // which issuer signed (capf-software, capf-kms, acm-pca, microsoft-ca, offline)
  createdAt: string;
}

export interface ServiceParameters {
  lscValidityDays: number;
  /** F16: when false, IPv6 peers are refused. */
  ipv6Enabled: boolean;
  /** Scenario 10: refuse a certificate whose subject does not name the device. */
  requireCertificateNameMatch: boolean;
  updatedAt?: string;
}

export interface CapfStore {
  getDevice(name: string): Promise<Device | undefined>;
  listDevices(): Promise<Device[]>;
  /** Admin upsert. A changed operation (or `newOperation`) gets a fresh operationId and status pending (or none). */
  putDevice(settings: DeviceSettings, options?: { newOperation?: boolean }): Promise<Device>;
  deleteDevice(name: string): Promise<void>;

  /** Conditional on operationId; sets status in-progress. Throws ConflictError when the operation changed meanwhile. */
  markInProgress(name: string, operationId: string, sessionId: number): Promise<Device>;
  /** Conditional on operationId; success resets the operation to none and clears a one-time auth string. */
  finishOperation(name: string, operationId: string, outcome: OperationOutcome): Promise<Device>;

  getIssuance(deviceName: string, operationId: string, spkiSha256: string): Promise<IssuanceRecord | undefined>;
  /** Puts the record if none exists for the key; returns whichever record is stored afterwards (never two). */
  putIssuanceOnce(record: IssuanceRecord): Promise<{ record: IssuanceRecord; created: boolean }>;
  setIssuanceState(deviceName: string, operationId: string, spkiSha256: string, state: IssuanceRecord['state']): Promise<void>;
  listIssuances(deviceName: string): Promise<IssuanceRecord[]>;

  getParameters(): Promise<ServiceParameters>;
  putParameters(params: Partial<ServiceParameters>): Promise<ServiceParameters>;
}

export const DEFAULT_PARAMETERS: ServiceParameters = {
  lscValidityDays: 365,
  ipv6Enabled: true,
  requireCertificateNameMatch: true,
};
