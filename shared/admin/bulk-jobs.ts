// Bulk jobs (F11, issue 14): one CAPF operation (install/upgrade, delete, troubleshoot, or none) armed on the devices
// a query or a list of names selects, with one shared or a unique generated authentication string per device and a
// deadline; run now or at a time (locally `capf serve`'s timer runs due jobs; in AWS a one-time EventBridge
// Scheduler schedule invokes the bulk function). A run takes the job's lease, fixes the target list once (chunks of
// BULK_CHUNK names), then applies chunk after chunk, recording progress durably after each; a run cut short (SIGKILL,
// a Lambda timeout) leaves its lease to expire and the next run continues where the last committed chunk ended; the
// devices of a chunk done again are skipped by their marker (shared/store/dynamo-bulk-store.ts): exactly once.
import { randomBytes, randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { CertificateOperation, Device } from '../model.ts';
import type { AuditLog, BulkEdit, BulkJob, BulkSelection, DeviceStore, BulkStore, JobScheduler } from '../ports/index.ts';
import { hashAuthString } from '../domain/auth-string.ts';
import { bulkString, bulkStringKey } from '../domain/bulk-strings.ts';
import { normaliseDeviceName } from '../domain/device-name.ts';
import { applyDeviceChange, checkDeadline } from './device-changes.ts';
import { matchesSelection, selectionQuery } from './bulk-selection.ts';

export const BULK_CHUNK = 250;
/** A run's lease, renewed at every chunk: a run that died is taken over after this. */
export const DEFAULT_LEASE_MS = 60_000;
export const MAX_BULK_DEVICES = 200_000;
/** Chunks of strings per page: 20,000 devices, about 1 MB of JSON. */
export const STRINGS_PAGE_CHUNKS = 80;

export interface StringsPage {
  strings: { name: string; authString: string }[];
  /** The `from` of the next page; absent on the last page (the strings are wiped). */
  next?: number;
}
const SAMPLE = 10;

export interface BulkJobRequest {
  operation: CertificateOperation;
  selection: BulkSelection;
  authString?: string;
  generateStrings?: boolean;
  completesBy?: string;
  /** ISO 8601; absent: now. */
  runAt?: string;
  dryRun?: boolean;
}

export interface BulkAdminOptions {
  stores: { devices: DeviceStore; bulk: BulkStore; audit: AuditLog };
  authStringKey?: () => Promise<Uint8Array>;
  now?: () => Date;
  /** Has a new job run at its time (AWS: a one-time schedule, or the bulk function invoked now) and removes the
   *  schedule of a cancelled one; absent locally, where the timer finds due jobs itself. */
  scheduler?: JobScheduler;
  /** Chunks of strings per page (default STRINGS_PAGE_CHUNKS; tests page smaller jobs). */
  stringsPageChunks?: number;
}

export interface RunOptions {
  owner: string;
  leaseMs?: number;
  onProgress?: (job: BulkJob) => void;
  /** Asked before each chunk: true stops the run there and frees its lease, so the next run continues at once (a
   *  Lambda near its timeout, a process shutting down). */
  shouldStop?: () => boolean;
}

export class BulkAdmin {
  private readonly now: () => Date;

  constructor(private readonly options: BulkAdminOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private get bulk(): BulkStore {
    return this.options.stores.bulk;
  }

  private async key(): Promise<Uint8Array> {
    if (!this.options.authStringKey) throw new ValidationError('this service has no authentication string key: strings cannot be set here', 'AUTH_STRING_KEY_MISSING');
    return this.options.authStringKey();
  }

  /** The selected devices' names, by name (bounded). */
  async resolve(selection: BulkSelection): Promise<string[]> {
    if (selection.names) {
      const names = [...new Set(selection.names.map((n) => normaliseDeviceName(n)))];
      if (names.length > MAX_BULK_DEVICES) throw new ValidationError(`a bulk job takes at most ${MAX_BULK_DEVICES} devices`, 'TOO_MANY_DEVICES');
      return names;
    }
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.options.stores.devices.query({ ...selectionQuery(selection), limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const device of page.devices) if (matchesSelection(device, selection)) out.push(device.name);
      if (out.length > MAX_BULK_DEVICES) throw new ValidationError(`the query selects more than ${MAX_BULK_DEVICES} devices: narrow it`, 'TOO_MANY_DEVICES');
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** Creates the job (or with dryRun only counts): the count and a sample of the devices it selects now. */
  async create(actor: string, request: BulkJobRequest): Promise<{ job?: BulkJob; count: number; sample: string[] }> {
    if (request.authString !== undefined && request.generateStrings) throw new ValidationError('give authString or generateStrings, not both', 'CONFLICTING_AUTH_STRING');
    if (!request.selection.names && Object.keys(request.selection).length === 0) throw new ValidationError('select devices: names or at least one query field', 'EMPTY_SELECTION');
    const now = this.now();
    const runAt = request.runAt ? new Date(request.runAt) : now;
    if (Number.isNaN(runAt.getTime())) throw new ValidationError('runAt must be an ISO 8601 time', 'INVALID_DATE');
    const completesBy = request.completesBy ? checkDeadline(request.completesBy, runAt) : undefined;
    const names = await this.resolve(request.selection);
    const preview = { count: names.length, sample: names.slice(0, SAMPLE) };
    if (request.dryRun) return preview;
    const stringFields = request.generateStrings
      ? { generateStrings: true, stringSeed: randomBytes(32).toString('hex') }
      : request.authString !== undefined
        ? { sharedAuthStringHash: hashAuthString(request.authString, await this.key()) }
        : {};
    if (request.generateStrings) await this.key();
    const job: BulkJob = {
      id: `${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomUUID().slice(0, 8)}`,
      state: 'scheduled',
      operation: request.operation,
      selection: request.selection,
      ...stringFields,
      ...(completesBy ? { completesBy } : {}),
      runAt: runAt.toISOString(),
      createdAt: now.toISOString(),
      createdBy: actor,
      nextChunk: 0,
      done: 0,
      failed: 0,
      updatedAt: now.toISOString(),
    };
    await this.bulk.create(job);
    await this.audit(actor, 'bulk.create', job.id, 'ok', `${request.operation} on ${names.length} devices at ${job.runAt}`);
    await this.arrange(actor, job, runAt.getTime() <= now.getTime());
    return { job: publicJob(job), ...preview };
  }

  async list(): Promise<BulkJob[]> {
    return (await this.bulk.list()).map(publicJob);
  }

  /** The job and its failures (the first `failureLimit` of them; all when not given). */
  async show(id: string, failureLimit?: number): Promise<{ job: BulkJob; failures: { name: string; reason: string }[] }> {
    const job = await this.bulk.get(checkJobId(id));
    if (!job) throw new NotFoundError(`bulk job ${id} does not exist: list them with capf bulk list`, 'JOB_NOT_FOUND');
    return { job: publicJob(job), failures: job.failed > 0 ? await this.bulk.failures(id, failureLimit) : [] };
  }

  /** Schedules the new job (or starts it now); a job that cannot be scheduled is cancelled, not left behind. */
  private async arrange(actor: string, job: BulkJob, dueNow: boolean): Promise<void> {
    const scheduler = this.options.scheduler;
    if (!scheduler) return;
    try {
      if (dueNow) await scheduler.runNow(job.id);
      else await scheduler.scheduleAt(job.id, new Date(job.runAt));
    } catch (error) {
      await this.bulk.cancel(job.id);
      await this.audit(actor, 'bulk.cancel', job.id, 'failed', 'the job could not be scheduled');
      throw error;
    }
  }

  async cancel(actor: string, id: string): Promise<BulkJob> {
    const job = await this.bulk.cancel(checkJobId(id));
    await this.options.scheduler?.cancel(id);
    await this.audit(actor, 'bulk.cancel', id, 'ok');
    return publicJob(job);
  }

  /** The generated strings (device, string) of an ended job, once: the seed is removed as they are read. */
  /**
   * One page of the unique strings an ended job generated (STRINGS_PAGE_CHUNKS chunks, so a page fits in any HTTP
   * answer, a Lambda's 6 MB included), from chunk `from`; `next` names the following page, absent after the last.
   * Each page can be read once, in order; the last one removes the seed, so nobody can compute them again.
   */
  async stringsPage(actor: string, id: string, from = 0): Promise<StringsPage> {
    const job = await this.bulk.get(checkJobId(id));
    if (!job) throw new NotFoundError(`bulk job ${id} does not exist`, 'JOB_NOT_FOUND');
    if (!job.generateStrings) throw new ValidationError(`bulk job ${id} generated no strings`, 'NO_STRINGS');
    if (job.state === 'scheduled' || job.state === 'running') throw new ConflictError(`bulk job ${id} is ${job.state}: its strings are shown once it has ended`, 'JOB_NOT_ENDED');
    const shown = () => new ConflictError(`the strings of bulk job ${id} were shown already (at ${job.stringsShownAt ?? 'an earlier request'}): re-arm those devices to make new ones`, 'STRINGS_SHOWN');
    if (job.stringsShownAt) throw shown();
    if (!Number.isSafeInteger(from) || from < 0) throw new ValidationError(`from must be a chunk number (0, or the next a page named): ${String(from).slice(0, 20)}`, 'INVALID_PAGE');
    const end = Math.min(job.chunks ?? 0, job.nextChunk);
    const expected = job.stringsNext ?? 0;
    if (from !== expected) throw new ConflictError(`the strings of bulk job ${id} are read page by page, once each: the next page starts at ${expected}, not ${from}`, 'STRINGS_PAGE_SHOWN');
    const next = Math.min(from + (this.options.stringsPageChunks ?? STRINGS_PAGE_CHUNKS), end);
    const last = next >= end;
    const seed = await this.bulk.takeStringPage(id, { from, next, last }, this.now().toISOString());
    if (seed === undefined) throw shown(); // another reader took this page (or the last) in the meantime
    const key = bulkStringKey(await this.key(), seed);
    const failed = new Set((await this.bulk.failures(id)).map((f) => f.name));
    const strings: { name: string; authString: string }[] = [];
    for (let chunk = from; chunk < next; chunk++) {
      (await this.bulk.readChunk(id, chunk)).forEach((name, i) => {
        if (!failed.has(name)) strings.push({ name, authString: bulkString(key, chunk * BULK_CHUNK + i) });
      });
    }
    await this.audit(actor, 'bulk.strings', id, 'ok', `${strings.length} strings shown (chunks ${from} to ${next - 1})${last ? '; wiped' : ''}`);
    return last ? { strings } : { strings, next };
  }

  /** Every page of the strings at once (the local stack, tests): see stringsPage. */
  async strings(actor: string, id: string): Promise<{ name: string; authString: string }[]> {
    const all: { name: string; authString: string }[] = [];
    let from: number | undefined = 0;
    while (from !== undefined) {
      const page: StringsPage = await this.stringsPage(actor, id, from);
      all.push(...page.strings);
      from = page.next;
    }
    return all;
  }

  /** Runs (or continues) the job under `owner`; undefined when another run holds it or it has ended. */
  async run(id: string, options: RunOptions): Promise<BulkJob | undefined> {
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    const until = () => new Date(this.now().getTime() + leaseMs).toISOString();
    let job = await this.bulk.claim(id, options.owner, until());
    if (!job) return undefined;
    if (job.chunks === undefined) {
      const names = await this.resolve(job.selection);
      const chunks: string[][] = [];
      for (let i = 0; i < names.length; i += BULK_CHUNK) chunks.push(names.slice(i, i + BULK_CHUNK));
      job = await this.bulk.saveTargets(id, options.owner, chunks);
    }
    const edit = await this.editFor(job);
    while (job.nextChunk < (job.chunks ?? 0)) {
      if (options.shouldStop?.()) return this.release(id, options.owner);
      const chunk = job.nextChunk;
      const names = await this.bulk.readChunk(id, chunk);
      const result = await this.bulk.apply(id, names, chunk * BULK_CHUNK, edit);
      try {
        job = await this.bulk.commitChunk(id, options.owner, chunk, { done: result.done.length, failures: result.failed }, until());
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        const current = await this.bulk.get(id);
        // The commit reached the table but its answer was lost (a timeout, a 5xx), and the retry found it done: go on.
        if (current?.state === 'running' && current.leaseOwner === options.owner && current.nextChunk === chunk + 1) job = current;
        else return current && publicJob(current); // cancelled, or another run took over
      }
      options.onProgress?.(publicJob(job));
    }
    try {
      job = await this.bulk.finish(id, options.owner);
    } catch (error) {
      const current = error instanceof ConflictError ? await this.bulk.get(id) : undefined;
      // As above: the job was marked done by this very call, whose answer was lost.
      if (current?.state !== 'done' || current.nextChunk !== job.nextChunk) throw error;
      job = current;
    }
    await this.audit('system:bulk', 'bulk.run', id, job.failed > 0 ? 'failed' : 'ok', `${job.operation}: ${job.done} done, ${job.failed} failed of ${job.total ?? 0}`);
    return publicJob(job);
  }

  /** Frees the lease of a run that stops early; the job as it is when it was cancelled or taken over meanwhile. */
  private async release(id: string, owner: string): Promise<BulkJob | undefined> {
    try {
      return publicJob(await this.bulk.release(id, owner));
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const current = await this.bulk.get(id);
      return current && publicJob(current);
    }
  }

  /** Runs every job that is due (scheduled and its time has come, or running with an expired lease). */
  async runDue(options: RunOptions): Promise<BulkJob[]> {
    const now = this.now().toISOString();
    const due = (await this.bulk.list()).filter((job) => (job.state === 'scheduled' && job.runAt <= now) || (job.state === 'running' && (job.leaseUntil ?? '') < now));
    const ran: BulkJob[] = [];
    for (const job of due.reverse()) {
      if (options.shouldStop?.()) break;
      const result = await this.run(job.id, options);
      if (result) ran.push(result);
    }
    return ran;
  }

  private async editFor(job: BulkJob): Promise<BulkEdit> {
    const key = job.generateStrings || job.sharedAuthStringHash ? await this.key() : undefined;
    const stringKey = job.stringSeed && key ? bulkStringKey(key, job.stringSeed) : undefined;
    if (job.generateStrings && !stringKey) throw new ConflictError(`bulk job ${job.id} lost its string seed`, 'STRINGS_SHOWN');
    const now = this.now();
    return (device: Device, index: number) => {
      const change = { operation: job.operation, completesBy: job.completesBy ?? null };
      const { settings } = applyDeviceChange(device.name, device, change, { now, arm: true });
      const secret = stringKey ? hashAuthString(bulkString(stringKey, index), key!) : job.sharedAuthStringHash;
      if (secret !== undefined) {
        settings.authString = secret;
        settings.authMode = 'auth-string';
      }
      return { settings, newOperation: true };
    };
  }

  private async audit(actor: string, action: string, id: string, result: 'ok' | 'failed', message?: string): Promise<void> {
    await this.options.stores.audit.record({ at: this.now().toISOString(), actor, action, result, target: `bulk:${id}`, ...(message ? { message } : {}) });
  }
}

const JOB_ID = /^\d{8}-[0-9a-f]{8}$/;

function checkJobId(id: string): string {
  if (!JOB_ID.test(id)) throw new ValidationError('a bulk job id looks like 20261203-1a2b3c4d', 'INVALID_JOB_ID');
  return id;
}

/** The job as shown: never its string seed or the shared string's hash. */
export function publicJob(job: BulkJob): BulkJob {
  const { stringSeed: _seed, sharedAuthStringHash, ...rest } = job;
  return { ...rest, ...(sharedAuthStringHash ? { sharedAuthString: true } : {}) } as BulkJob;
}
