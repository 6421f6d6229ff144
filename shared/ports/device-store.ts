// The device store port: the devices an administrator configured and the state of each one's certificate operation.
// Every change is conditional, so a session whose operation was replaced or has ended can never overwrite its
// outcome. Adapter: shared/store/dynamo-device-store.ts (DynamoDB, dynalite, moto_server).
import type { Device, StoredCertificate } from '../model.ts';

/** What an administrator sets on a device; the rest of Device is the store's and the sessions' to write. */
export type DeviceSettings = Omit<
  Device,
  | 'status'
  | 'statusAt'
  | 'statusReason'
  | 'statusSessionId'
  | 'lsc'
  | 'fetched'
  | 'createdAt'
  | 'updatedAt'
  | 'version'
  | 'operationId'
  | 'authFailures'
  | 'lockedUntil'
  | 'lscIssuance'
  | 'certificatesIssued'
>;

/**
 * How wrong authentication strings lock a device (shared/domain/auth-lockout.ts). A failed outcome that carries it is
 * counted on the device in the outcome's own write, and locks the operation at the limit.
 */
export interface LockoutPolicy {
  /** Wrong strings before the first lock. */
  limit: number;
  /** The longest lock. */
  maxLockMs: number;
}

/** How an operation ended, written once, conditional on the operation id it started under. */
export type OperationOutcome =
  // lsc null = deleted; lscIssuance names the issuance record of a new lsc
  | { status: 'success'; lsc?: StoredCertificate | null; lscIssuance?: Device['lscIssuance']; fetched?: Device['fetched']; note?: string }
  | { status: 'failed'; reason: string; keepOperation: boolean; authFailure?: LockoutPolicy }
  /**
   * A session of a device with no operation pending failed for a reason the server knows (AUTH_STRING_NOT_SET, a
   * session id mismatch): only the status says so, conditional on the device still having no operation pending.
   */
  | { status: 'idle-failure'; reason: string }
  /** The CA keeps the request (the offline CA): status pending with the reason, the operation stays armed. */
  | { status: 'pending'; reason: string };

/** A page of devices from an index (never a scan): by name prefix, or by status (and name prefix), with filters. */
export interface DeviceQuery {
  status?: Device['status'];
  /** Names starting with this (case as stored). */
  namePrefix?: string;
  operation?: Device['operation'];
  /** Only devices with this authentication mode (a filter, like the operation). */
  authMode?: Device['authMode'];
  /** At most this many items read from the index for the page (1..1000); a filter may leave fewer. */
  limit: number;
  /** Opaque, from the previous page's nextCursor. */
  cursor?: string;
}

export interface DevicePage {
  devices: Device[];
  /** Present when there may be more: pass it as the next query's cursor. */
  nextCursor?: string;
}

/** An administrator's change, applied to the device as stored (undefined: none yet); re-applied after a lost race. */
export type DeviceEdit = (current: Device | undefined) => { settings: DeviceSettings; newOperation?: boolean };

/** The sign service's claim on one phone key of an install (DeviceStore.claimKey). */
export interface KeyClaimRequest {
  /** Lowercase hex SHA-256 of the phone's SubjectPublicKeyInfo. */
  spkiSha256: string;
  /** The claimant: only it may release the claim; another request takes it over once the lease has passed. */
  requestId: string;
  leaseMs: number;
  /** maxCertificatesPerOperation: a key the operation has not seen yet is refused once this many were counted. */
  limit: number;
  /** The listener's session, written as the device's statusSessionId. */
  sessionId?: number;
}

/**
 * claimed: the key is the caller's to sign (the device as stored after the claim; takeover when the key had been
 * claimed before, by a signer whose lease passed, whose record may exist). held: another request holds the key until
 * leaseUntil. limit: a new key past maxCertificatesPerOperation. not-pending: the operation is no longer the device's
 * pending install (device as stored, or undefined when it is gone).
 */
export type KeyClaim =
  | { verdict: 'claimed'; device: Device; takeover: boolean }
  | { verdict: 'held'; device: Device; leaseUntil: string }
  | { verdict: 'limit'; device: Device }
  | { verdict: 'not-pending'; device: Device | undefined };

export interface DeviceStore {
  get(name: string): Promise<Device | undefined>;
  /** The named devices that exist, by name (consistent reads, many names a request); absent names are left out. */
  getMany(names: readonly string[]): Promise<Map<string, Device>>;
  /** Every device, by name. */
  list(): Promise<Device[]>;
  /** One page of devices, by name, from the store's indexes (ValidationError INVALID_CURSOR for a cursor it did not make). */
  query(query: DeviceQuery): Promise<DevicePage>;
  /**
   * Admin read-modify-write: `edit` builds the settings from the device as just read; the write is conditional on the
   * version read, and a lost race reads again and re-applies `edit`, so two concurrent edits merge instead of one
   * overwriting the other. With `expectedVersion`, a stored version other than that is a ConflictError (optimistic
   * locking for a caller that showed the device to a person). Returns the device before (undefined: created) and after.
   */
  edit(name: string, edit: DeviceEdit, options?: { expectedVersion?: number }): Promise<{ before: Device | undefined; after: Device }>;
  /** Deletes the device conditional on `expectedVersion` when given; returns what was deleted. NotFoundError when absent. */
  remove(name: string, options?: { expectedVersion?: number }): Promise<Device>;
  /**
   * Admin upsert. A changed operation (or `newOperation`) gets a fresh operationId and status pending (or none).
   * ValidationError for bad settings; auth-string mode needs an authString while an operation is pending.
   */
  put(settings: DeviceSettings, options?: { newOperation?: boolean }): Promise<Device>;
  /** Deletes the device (its issuance records stay, for the audit trail). NotFoundError when it does not exist. */
  delete(name: string): Promise<void>;
  /**
   * Conditional on operationId; sets status in-progress. Throws ConflictError when the operation changed meanwhile
   * or has already ended (operation none), NotFoundError when the device is gone. `known`: the device as the caller
   * last read or wrote it, which saves the store's read when it is still current.
   */
  markInProgress(name: string, operationId: string, sessionId: number, known?: Device): Promise<Device>;
  /**
   * Conditional on operationId (ConflictError as for markInProgress, so an outcome is written once); success resets
   * the operation to none and clears a one-time auth string. `begunBy`: the session that began this operation without
   * markInProgress (an install: the sign service's claimKey marks it in progress); the outcome is then applied
   * to the device as markInProgress would have left it (the wrong strings forgotten, the session's id), in this write.
   */
  finishOperation(name: string, operationId: string, outcome: OperationOutcome, known?: Device, begunBy?: number): Promise<Device>;
  /**
   * The sign service, before it signs: one conditional write on the device that checks the operation is still its
   * pending install, claims the key under a lease (a key the operation has not seen yet counts one certificate against
   * `limit`; taking over a lapsed claim counts nothing), marks the device in progress as markInProgress does (status,
   * statusAt, statusSessionId when given, updatedAt; the wrong strings, the lock and the old reason cleared) without a
   * version bump, and returns the device. The first key of an operation costs that one write; anything else reads the
   * device first. The claims of one operation are bounded by its count: an earlier operation's go with its first claim.
   */
  claimKey(name: string, operationId: string, claim: KeyClaimRequest): Promise<KeyClaim>;
  /** Gives back the caller's claim on a key the device refused (the key and its count go); a no-op otherwise. */
  releaseKey(name: string, operationId: string, spkiSha256: string, requestId: string): Promise<void>;
}
