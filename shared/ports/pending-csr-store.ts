// The pending CSR store port (F3, F21): one record per CSR the offline issuer put in the CSR bucket, found by device
// and by the SHA-256 of its public key (how a signed certificate that comes back is matched). A record stays
// 'pending' until a certificate for its key is imported, then holds that certificate ('imported') until the phone's
// next session delivers it. Adapter: shared/store/dynamo-pending-csr-store.ts.
import type { StoredCertificate } from '../model.ts';

export type PendingCsrState = 'pending' | 'imported';

export interface PendingCsrKey {
  deviceName: string;
  /** Lowercase hex SHA-256 of the CSR's SubjectPublicKeyInfo. */
  spkiSha256: string;
}

/** What an import attached to a pending CSR. */
export interface CsrImport {
  /** ISO 8601 UTC. */
  at: string;
  /** Where the certificate came from: the bucket key (`signed/<name>`) or `cli:<file name>`. */
  source: string;
  certificate: StoredCertificate;
  /** The CA certificates that came with it (issuing CA first), PEM. */
  chainPem: string[];
}

export interface PendingCsr extends PendingCsrKey {
  /** The device's operation the CSR was made for. */
  operationId: string;
  /** The sign request that made it (also in the object name). */
  requestId: string;
  /** The CSR's object in the bucket, e.g. `csr/SEP001122334455/2026-12-02T101500Z-<request id>.csr`. */
  objectKey: string;
  /** e.g. `RSA 2048`, `EC P-256`. */
  keyType: string;
  /** ISO 8601 UTC. */
  requestedAt: string;
  csrPem: string;
  state: PendingCsrState;
  imported?: CsrImport;
}

export interface PendingCsrStore {
  /**
   * Records a CSR unless one exists for its key (a pending one of another operation is replaced: the same key sent
   * for a new operation); returns whichever is stored afterwards.
   */
  putOnce(record: PendingCsr): Promise<{ record: PendingCsr; created: boolean }>;
  get(key: PendingCsrKey): Promise<PendingCsr | undefined>;
  /** The device's CSRs, oldest first. */
  listForDevice(deviceName: string): Promise<PendingCsr[]>;
  /** Every CSR of every device, oldest first (administrators' listings; bounded). */
  list(): Promise<PendingCsr[]>;
  /** The CSRs whose key has this hash, whatever device they name (an import whose certificate names another device). */
  findByKey(spkiSha256: string): Promise<PendingCsr[]>;
  /**
   * Attaches an imported certificate, conditional on the record being pending. Repeating the same import (same
   * source and certificate) returns the stored record; another import of the key is a ConflictError, a missing record
   * a NotFoundError.
   */
  markImported(key: PendingCsrKey, imported: CsrImport): Promise<PendingCsr>;
  /** NotFoundError when there is no such record. */
  delete(key: PendingCsrKey): Promise<void>;
}
