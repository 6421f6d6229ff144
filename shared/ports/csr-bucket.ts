// The CSR bucket port: the offline CA's mailbox. CAPF puts each phone's CSR there with its metadata, an administrator's
// CA signs them outside CAPF and drops the certificates back; reports say what was matched. In AWS the adapter is S3
// (with event notifications for new certificates); the local stack uses s3rver or a folder.

/** What CAPF records with each CSR, so a returned certificate can be matched and a person can read the listing. */
export interface CsrMetadata {
  deviceName: string;
  operationId: string;
  /** Lowercase hex SHA-256 of the SubjectPublicKeyInfo: how a returned certificate is matched to its request. */
  spkiSha256: string;
  requestedAt: string;
  /** e.g. `RSA 2048`, `EC P-256`. */
  keyType?: string;
}

export interface CsrObject {
  key: string;
  /** The object's bytes: a PEM CSR or certificate, a report. */
  body: Uint8Array;
  metadata: Record<string, string>;
  lastModified: string;
}

export interface CsrBucket {
  /** Writes a phone's CSR (PEM) under `key`; repeating the same put is harmless. */
  putCsr(key: string, csrPem: string, metadata: CsrMetadata): Promise<void>;
  /** Keys under `prefix`, oldest first, at most `limit`. */
  list(prefix: string, limit: number): Promise<string[]>;
  /** The object, or undefined when it does not exist. Bodies over `maxBytes` are refused before they are read. */
  read(key: string, maxBytes: number): Promise<CsrObject | undefined>;
  delete(key: string): Promise<void>;
  /** Writes a report object (JSON or text) for the administrator, e.g. what an import matched. */
  putReport(key: string, body: string, contentType: 'application/json' | 'text/plain'): Promise<void>;
}
