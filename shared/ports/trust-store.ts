// The trust stores (F6): CAPF-trust (what certificate authentication and the online CA's site certificate verify
// against) and CallManager-trust (the CAs an administrator hands CUCM). Each entry is one certificate, keyed by its
// SHA-256 fingerprint within its store; the same certificate may sit in both stores. Adapter: the DynamoDB trust
// store on the shared table (AWS, dynalite, moto). Edited only through the admin service (shared/admin/trust.ts).

export const TRUST_STORE_NAMES = ['capf', 'callmanager'] as const;
export type TrustStoreName = (typeof TRUST_STORE_NAMES)[number];

/** Where an entry came from: an administrator's upload, or the CAPF certificate a regenerate/import replaced. */
export type TrustEntrySource = 'upload' | 'previous-capf-ca';

export interface TrustEntry {
  /** SHA-256 fingerprint of the DER, lowercase hex (64 characters). */
  id: string;
  store: TrustStoreName;
  /** Distinguished names as RFC 4514-like text. */
  subject: string;
  issuer: string;
  /** The SubjectKeyIdentifier (or the SHA-1 of the key when the certificate has none), lowercase hex. */
  keyId: string;
  notAfter: string;
  description: string;
  /** ISO 8601 UTC. */
  addedAt: string;
  /** Who added it (`local`, an IAM principal). */
  addedBy?: string;
  source?: TrustEntrySource;
  pem: string;
}

export interface TrustAddResult {
  added: TrustEntry[];
  /** Certificates that were in the store already (kept as they were). */
  existing: TrustEntry[];
}

export interface TrustStore {
  /** The entries of one store, or of both, oldest first. */
  list(store?: TrustStoreName): Promise<TrustEntry[]>;
  get(store: TrustStoreName, id: string): Promise<TrustEntry | undefined>;
  /** Adds each entry unless its certificate is in that store already (one conditional write per entry). */
  add(entries: TrustEntry[]): Promise<TrustAddResult>;
  /** Removes the entry; undefined when it was not there. */
  remove(store: TrustStoreName, id: string): Promise<TrustEntry | undefined>;
}
