// The store's contract. The DynamoDB implementation (dynamo-store.ts) runs unchanged on AWS, dynalite and moto_server:
// single-item conditional writes only (dynalite has no transactions, TTL or PartiQL).
import type { Device } from '../model.ts';
import type { DeviceSettings, IssuanceRecord, OperationOutcome, ServiceParameters } from '../ports/index.ts';

export type { DeviceSettings, IssuanceRecord, OperationOutcome, ServiceParameters } from '../ports/index.ts';


export interface CapfStore {
  getDevice(name: string): Promise<Device | undefined>;
  listDevices(): Promise<Device[]>;
  /**
   * Admin upsert. A changed operation (or `newOperation`) gets a fresh operationId and status pending (or none).
   * ValidationError for bad settings; auth-string mode needs an authString while an operation is pending.
   */
  putDevice(settings: DeviceSettings, options?: { newOperation?: boolean }): Promise<Device>;
  /** Deletes the device item (its issuance records stay, for the audit trail). NotFoundError when it does not exist. */
  deleteDevice(name: string): Promise<void>;

  /**
   * Conditional on operationId; sets status in-progress. Throws ConflictError when the operation changed meanwhile
   * or has already ended (operation none), NotFoundError when the device is gone. `known`: the device as the caller
   * last read or wrote it, which saves the store's read when it is still current.
   */
  markInProgress(name: string, operationId: string, sessionId: number, known?: Device): Promise<Device>;
  /**
   * Conditional on operationId (ConflictError as for markInProgress, so an outcome is written once); success resets
   * the operation to none and clears a one-time auth string.
   */
  finishOperation(name: string, operationId: string, outcome: OperationOutcome, known?: Device): Promise<Device>;

  getIssuance(deviceName: string, operationId: string, spkiSha256: string): Promise<IssuanceRecord | undefined>;
  /** Puts the record if none exists for the key; returns whichever record is stored afterwards (never two). */
  putIssuanceOnce(record: IssuanceRecord): Promise<{ record: IssuanceRecord; created: boolean }>;
  /**
   * Claims the right to sign for (device, operation, key): creates a 'reserved' record, or takes over a 'reserved'
   * one whose lease has passed; the same requestId renews its own reservation. Returns claimed false with the stored
   * record when someone else holds or finished it.
   */
  claimIssuance(
    key: { deviceName: string; operationId: string; spkiSha256: string },
    claim: { requestId: string; issuer: string; leaseMs: number },
  ): Promise<{ claimed: true; record: IssuanceRecord } | { claimed: false; record: IssuanceRecord }>;
  /**
   * Conditional on state reserved (or pending, for the certificate that later answers a pending request) and the same
   * requestId: stores the certificate (issued) or the pending handle. Repeating the stored completion returns the
   * stored record; otherwise ConflictError (the lease was taken over), NotFoundError when nothing was claimed.
   */
  completeIssuance(record: IssuanceRecord): Promise<IssuanceRecord>;
  /**
   * A signer closes the record it claimed after its issuer refused. Conditional on state reserved or pending and the
   * same requestId (as completeIssuance): ConflictError when another signer took it over or settled it, NotFoundError
   * when nothing was claimed.
   */
  abandonIssuance(key: { deviceName: string; operationId: string; spkiSha256: string }, requestId: string): Promise<void>;
  /**
   * Sets the state of an existing record (the listener: installed, or abandoned for a certificate it sent).
   * NotFoundError for a missing record; ConflictError for 'installed' on a record that holds no certificate.
   */
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
