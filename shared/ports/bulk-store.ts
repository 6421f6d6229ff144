// Bulk jobs (F11, issue 14): one operation applied to many devices, resumable and exactly once. The job records its
// progress durably (the next chunk of its target list, counts, failures); every device write carries the job's id as
// a marker and is conditional on the device not carrying it yet, so a resumed run never updates a device twice.
// Adapter: shared/store/dynamo-bulk-store.ts.
import type { CertificateOperation, Device, OperationStatus } from '../model.ts';
import type { DeviceSettings } from './device-store.ts';

export type BulkJobState = 'scheduled' | 'running' | 'done' | 'cancelled';

/** Which devices: a list of names, or a query (every field that is given must match). */
export interface BulkSelection {
  names?: string[];
  prefix?: string;
  /** Shell-like name pattern: * any run, ? one character (case as stored). */
  pattern?: string;
  status?: OperationStatus;
  operation?: CertificateOperation;
  /** ISO 8601: devices whose LSC expires before it. */
  lscExpiresBefore?: string;
  /** Devices whose LSC issuer contains this text. */
  lscIssuer?: string;
  /** Devices without an LSC. */
  noLsc?: boolean;
}

export interface BulkJob {
  id: string;
  state: BulkJobState;
  operation: CertificateOperation;
  selection: BulkSelection;
  /** The keyed hash of one string shared by every device. */
  sharedAuthStringHash?: string;
  /** A unique string per device, derived from this seed and the deployment's key; removed once shown. */
  stringSeed?: string;
  generateStrings?: boolean;
  /** The first chunk whose strings have not been read yet, while they are read page by page. */
  stringsNext?: number;
  /** When the last page of the generated strings was read (the seed went with it). */
  stringsShownAt?: string;
  completesBy?: string;
  runAt: string;
  createdAt: string;
  createdBy: string;
  /** Set when the target list is fixed (the first run). */
  total?: number;
  chunks?: number;
  nextChunk: number;
  done: number;
  failed: number;
  leaseOwner?: string;
  leaseUntil?: string;
  startedAt?: string;
  finishedAt?: string;
  updatedAt: string;
}

export interface BulkFailure {
  name: string;
  reason: string;
}

/** What a job does to one device, from the device as stored and its place in the target list; undefined: nothing. */
export type BulkEdit = (device: Device, index: number) => { settings: DeviceSettings; newOperation: boolean };

export interface BulkApplyResult {
  /** Devices this job has written (now or in an earlier run that was cut short). */
  done: string[];
  failed: BulkFailure[];
}

export interface BulkStore {
  create(job: BulkJob): Promise<BulkJob>;
  get(id: string): Promise<BulkJob | undefined>;
  /** Every job, newest first (bounded). */
  list(): Promise<BulkJob[]>;
  /** Takes the job's lease when it is scheduled or running and its lease is free or expired; undefined otherwise. */
  claim(id: string, owner: string, leaseUntil: string): Promise<BulkJob | undefined>;
  /** Writes the target list in chunks and fixes total and chunks on the job (conditional on the lease). */
  saveTargets(id: string, owner: string, chunks: string[][]): Promise<BulkJob>;
  readChunk(id: string, chunk: number): Promise<string[]>;
  /** Applies `edit` to each device (indexes from `firstIndex`), each write conditional on its version and the marker. */
  apply(id: string, names: string[], firstIndex: number, edit: BulkEdit): Promise<BulkApplyResult>;
  /**
   * Records a chunk done: its failures, the counts, the next chunk and a renewed lease, conditional on the job still
   * running under `owner` at chunk `chunk`. ConflictError when it is not (cancelled, or another runner took over).
   */
  commitChunk(id: string, owner: string, chunk: number, result: { done: number; failures: BulkFailure[] }, leaseUntil: string): Promise<BulkJob>;
  /** Frees the lease of a run that stops before the end, so the next run need not wait for it to expire
   *  (conditional on the lease; ConflictError when another runner holds it or the job has ended). */
  release(id: string, owner: string): Promise<BulkJob>;
  /** Marks the job done and frees the lease (conditional on the lease). */
  finish(id: string, owner: string): Promise<BulkJob>;
  /** Cancels a scheduled or running job; ConflictError when it has ended. */
  cancel(id: string): Promise<BulkJob>;
  /** The job's failures by name (bounded), or only the first `limit` of them. */
  failures(id: string, limit?: number): Promise<BulkFailure[]>;
  /**
   * Takes one page of an ended job's strings: returns the seed, once per page (conditional on `from` being the next
   * page), and moves the next page to `next`; the last page removes the seed. Undefined when the page was taken
   * already or the strings are gone.
   */
  takeStringPage(id: string, page: { from: number; next: number; last: boolean }, at: string): Promise<string | undefined>;
}
