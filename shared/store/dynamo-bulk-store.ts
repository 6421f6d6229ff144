// BulkStore on the DynamoDB table:
//   BULKJOB / <id>                 a job: state, what it does, progress (nextChunk, done, failed), its lease
//   BULK#<id> / C#<000000n>        one chunk of the job's target list (device names), written once at its first run
//   BULK#<id> / F#<name>           a device the job could not update, with the reason
// A device the job updated carries `bulkJob = <id>` (not part of Device): each write is conditional on the device's
// version and on not carrying this marker yet, so a run resumed after a kill skips what was done (exactly once).
// No transactions (dynalite has none): devices are read 100 at a time (BatchGetItem) and written one conditional
// UpdateItem each, a bounded number at a time; throttling is retried with backoff and never doubles a write.
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { updateDevice } from '../domain/device-transitions.ts';
import { checkDeviceSettings } from '../domain/validation.ts';
import { ConflictError, NotFoundError, StoreError } from '../errors.ts';
import type { Device } from '../model.ts';
import type { BulkApplyResult, BulkEdit, BulkFailure, BulkJob, BulkStore } from '../ports/index.ts';
import { deviceFromItem } from './dynamo-device-item.ts';
import { deviceIndexKeys } from './dynamo-device-index.ts';
import { backoff, collectPages, deviceKey, isConditionFailure, storeCall, storeFailure, type DynamoTable } from './dynamo-table.ts';
import { changedAttributes } from './item-diff.ts';

const JOBS = 'BULKJOB';
const MARKER = 'bulkJob';
const BATCH_GET = 100;
/** Device writes in flight per apply. */
export const BULK_WRITE_CONCURRENCY = 32;
const MAX_ROUNDS = 8;
const MAX_JOBS_LISTED = 10_000;
const MAX_FAILURES_LISTED = 200_000;
const THROTTLES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);
const TRANSIENT = new Set(['InternalServerError', 'ServiceUnavailable', 'TimeoutError', 'RequestTimeout', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

const jobPk = (id: string) => `BULK#${id}`;
const chunkSk = (n: number) => `C#${String(n).padStart(7, '0')}`;

/**
 * Throttling, and an answer lost on the way (a 5xx, a timeout, a dropped connection) once the SDK's own retries (or
 * its retry quota, spent quickly under heavy throttling) are used up. Every call of this store is safe to send again:
 * reads, idempotent puts, and device and job writes conditional on what they change (a write that had in fact
 * reached the table fails its condition, and the device then carries the job's marker).
 */
function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { name, code, $metadata } = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (THROTTLES.has(name ?? '') || TRANSIENT.has(name ?? '') || TRANSIENT.has(code ?? '')) return true;
  return ($metadata?.httpStatusCode ?? 0) >= 500;
}

/** Runs a call again after throttling or a lost answer (backoff with jitter), at most MAX_ROUNDS times. */
async function retryThrottled<T>(what: string, call: () => Promise<T>): Promise<T> {
  for (let round = 0; ; round++) {
    try {
      return await call();
    } catch (err) {
      if (!isRetryable(err) || round >= MAX_ROUNDS) throw err;
      await backoff(round + 2);
    }
  }
}

function jobFromItem(item: Record<string, unknown>): BulkJob {
  const { pk: _pk, sk: _sk, ...job } = item;
  return job as unknown as BulkJob;
}

export class DynamoBulkStore implements BulkStore {
  constructor(private readonly table: DynamoTable) {}

  private now(): string {
    return this.table.now().toISOString();
  }

  async create(job: BulkJob): Promise<BulkJob> {
    const { doc, tableName } = this.table;
    await storeCall(`creating bulk job ${job.id}`, () => doc.send(new PutCommand({ TableName: tableName, Item: { pk: JOBS, sk: job.id, ...job }, ConditionExpression: 'attribute_not_exists(pk)' })));
    return job;
  }

  async get(id: string): Promise<BulkJob | undefined> {
    const { doc, tableName } = this.table;
    const out = await storeCall(`reading bulk job ${id}`, () => doc.send(new GetCommand({ TableName: tableName, Key: { pk: JOBS, sk: id }, ConsistentRead: true })));
    return out.Item ? jobFromItem(out.Item) : undefined;
  }

  async list(): Promise<BulkJob[]> {
    const { doc, tableName } = this.table;
    const items = await collectPages(
      'listing bulk jobs',
      (startKey) => doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': JOBS }, ConsistentRead: true, ExclusiveStartKey: startKey })),
      MAX_JOBS_LISTED,
    );
    return items.map(jobFromItem).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** One conditional UpdateItem of the job; ConflictError `message` when the condition fails. */
  private async updateJob(id: string, update: string, condition: string, values: Record<string, unknown>, message: string, names: Record<string, string> = {}): Promise<BulkJob> {
    const { doc, tableName } = this.table;
    try {
      const out = await retryThrottled(`updating bulk job ${id}`, () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: JOBS, sk: id },
            UpdateExpression: update,
            ConditionExpression: `attribute_exists(pk) AND ${condition}`,
            ExpressionAttributeNames: { '#state': 'state', ...names },
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return jobFromItem(out.Attributes ?? {});
    } catch (err) {
      if (!isConditionFailure(err)) throw storeFailure(`updating bulk job ${id}`, err);
      if (!(await this.get(id))) throw new NotFoundError(`bulk job ${id} does not exist`, 'JOB_NOT_FOUND');
      throw new ConflictError(message, 'JOB_CONFLICT');
    }
  }

  async claim(id: string, owner: string, leaseUntil: string): Promise<BulkJob | undefined> {
    const now = this.now();
    try {
      return await this.updateJob(
        id,
        'SET #state = :running, leaseOwner = :owner, leaseUntil = :until, updatedAt = :now, startedAt = if_not_exists(startedAt, :now)',
        '(#state = :scheduled OR #state = :running) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
        { ':running': 'running', ':scheduled': 'scheduled', ':owner': owner, ':until': leaseUntil, ':now': now },
        `bulk job ${id} is running elsewhere or has ended`,
      );
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
  }

  async saveTargets(id: string, owner: string, chunks: string[][]): Promise<BulkJob> {
    const requests = chunks.map((names, n) => ({ PutRequest: { Item: { pk: jobPk(id), sk: chunkSk(n), names } } }));
    await this.batchWrite(requests, `saving the targets of bulk job ${id}`);
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    return this.updateJob(id, 'SET #chunks = :chunks, #total = :total, updatedAt = :now', 'leaseOwner = :owner AND #state = :running AND attribute_not_exists(#chunks)', {
      ':chunks': chunks.length,
      ':total': total,
      ':now': this.now(),
      ':owner': owner,
      ':running': 'running',
    }, `bulk job ${id}: another runner fixed its targets`, { '#chunks': 'chunks', '#total': 'total' });
  }

  async readChunk(id: string, chunk: number): Promise<string[]> {
    const { doc, tableName } = this.table;
    const out = await storeCall(`reading bulk job ${id}`, () => retryThrottled('reading a chunk', () => doc.send(new GetCommand({ TableName: tableName, Key: { pk: jobPk(id), sk: chunkSk(chunk) }, ConsistentRead: true }))));
    if (!out.Item) throw new StoreError(`bulk job ${id} has no chunk ${chunk} of its targets`, 'STORE');
    return out.Item.names as string[];
  }

  async apply(id: string, names: string[], firstIndex: number, edit: BulkEdit): Promise<BulkApplyResult> {
    const items = await this.readDevices(names);
    const result: BulkApplyResult = { done: [], failed: [] };
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const index = next++;
        const name = names[index]!;
        try {
          if (await this.applyOne(id, name, items.get(name), firstIndex + index, edit)) result.done.push(name);
          else result.failed.push({ name, reason: 'DEVICE_NOT_FOUND: the device does not exist' });
        } catch (error) {
          const code = typeof (error as { code?: unknown })?.code === 'string' ? `${(error as { code: string }).code}: ` : '';
          result.failed.push({ name, reason: `${code}${error instanceof Error ? error.message : String(error)}`.slice(0, 300) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BULK_WRITE_CONCURRENCY, names.length) }, worker));
    return result;
  }

  /** True when the device carries the marker now (written here or before); false when the device does not exist. */
  private async applyOne(id: string, name: string, first: Record<string, unknown> | undefined, index: number, edit: BulkEdit): Promise<boolean> {
    let item = first;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (!item) return false;
      if (item[MARKER] === id) return true;
      const current = deviceFromItem(item);
      const { settings, newOperation } = edit(current, index);
      const next = updateDevice(current, checkDeviceSettings(settings), newOperation, this.now());
      if (await this.writeMarked(id, current, next)) return true;
      await backoff(round);
      item = await this.readDevice(name);
    }
    throw new ConflictError(`device ${name} kept changing while the bulk job wrote it`);
  }

  private async writeMarked(id: string, previous: Device, device: Device): Promise<boolean> {
    const { doc, tableName } = this.table;
    const update = changedAttributes({ ...deviceIndexKeys(previous), ...previous }, { ...deviceIndexKeys(device), ...device });
    const expression = update.expression.startsWith('SET ') ? update.expression.replace('SET ', 'SET #marker = :job, ') : `SET #marker = :job ${update.expression}`;
    try {
      await retryThrottled(`saving device ${device.name}`, () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: deviceKey(device.name),
            UpdateExpression: expression,
            // `NOT #marker = :job`: no marker yet, or another job's (no grouping parentheses: docs/store-conditions.md).
            ConditionExpression: '#version = :expected AND NOT #marker = :job',
            ExpressionAttributeNames: { ...update.names, '#version': 'version', '#marker': MARKER },
            ExpressionAttributeValues: { ...update.values, ':expected': previous.version, ':job': id },
          }),
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw storeFailure(`saving device ${device.name}`, err);
    }
  }

  private async readDevice(name: string): Promise<Record<string, unknown> | undefined> {
    const { doc, tableName } = this.table;
    const out = await retryThrottled(`reading device ${name}`, () => doc.send(new GetCommand({ TableName: tableName, Key: deviceKey(name), ConsistentRead: true })));
    return out.Item;
  }

  /** The devices' items by name, 100 per BatchGetItem (unprocessed keys asked again). */
  private async readDevices(names: string[]): Promise<Map<string, Record<string, unknown>>> {
    const { doc, tableName } = this.table;
    const found = new Map<string, Record<string, unknown>>();
    const batches: string[][] = [];
    for (let i = 0; i < names.length; i += BATCH_GET) batches.push(names.slice(i, i + BATCH_GET));
    await Promise.all(
      batches.map(async (batch) => {
        let keys: Record<string, unknown>[] = batch.map(deviceKey);
        for (let round = 0; keys.length > 0; round++) {
          if (round >= MAX_ROUNDS) throw new StoreError('reading devices: the table kept leaving keys unprocessed', 'STORE');
          const out = await retryThrottled('reading devices', () => doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } })));
          for (const item of out.Responses?.[tableName] ?? []) found.set(String(item.name), item);
          keys = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
          if (keys.length > 0) await backoff(round);
        }
      }),
    );
    return found;
  }

  async commitChunk(id: string, owner: string, chunk: number, result: { done: number; failures: BulkFailure[] }, leaseUntil: string): Promise<BulkJob> {
    const at = this.now();
    await this.batchWrite(result.failures.map((f) => ({ PutRequest: { Item: { pk: jobPk(id), sk: `F#${f.name}`, name: f.name, reason: f.reason, at } } })), `recording failures of bulk job ${id}`);
    return this.updateJob(
      id,
      'SET #next = :next, #done = #done + :done, #failed = #failed + :failed, leaseUntil = :until, updatedAt = :now',
      '#next = :chunk AND leaseOwner = :owner AND #state = :running',
      { ':next': chunk + 1, ':chunk': chunk, ':done': result.done, ':failed': result.failures.length, ':until': leaseUntil, ':now': at, ':owner': owner, ':running': 'running' },
      `bulk job ${id} was cancelled or taken over at chunk ${chunk}`,
      { '#next': 'nextChunk', '#done': 'done', '#failed': 'failed' },
    );
  }

  release(id: string, owner: string): Promise<BulkJob> {
    return this.updateJob(id, 'SET updatedAt = :now REMOVE leaseOwner, leaseUntil', 'leaseOwner = :owner AND #state = :running', { ':now': this.now(), ':owner': owner, ':running': 'running' }, `bulk job ${id} was cancelled or taken over`);
  }

  finish(id: string, owner: string): Promise<BulkJob> {
    const at = this.now();
    return this.updateJob(id, 'SET #state = :done, finishedAt = :now, updatedAt = :now REMOVE leaseOwner, leaseUntil', 'leaseOwner = :owner AND #state = :running', { ':done': 'done', ':now': at, ':owner': owner, ':running': 'running' }, `bulk job ${id} was cancelled or taken over`);
  }

  cancel(id: string): Promise<BulkJob> {
    const at = this.now();
    return this.updateJob(id, 'SET #state = :cancelled, finishedAt = :now, updatedAt = :now', '(#state = :scheduled OR #state = :running)', { ':cancelled': 'cancelled', ':scheduled': 'scheduled', ':running': 'running', ':now': at }, `bulk job ${id} has ended already`);
  }

  async failures(id: string, limit?: number): Promise<BulkFailure[]> {
    const { doc, tableName } = this.table;
    if (limit !== undefined) {
      if (limit <= 0) return [];
      const out = await storeCall('listing bulk job failures', () =>
        doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)', ExpressionAttributeValues: { ':pk': jobPk(id), ':f': 'F#' }, ConsistentRead: true, Limit: limit })),
      );
      return (out.Items ?? []).map((item) => ({ name: String(item.name), reason: String(item.reason) }));
    }
    const items = await collectPages(
      'listing bulk job failures',
      (startKey) =>
        doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)', ExpressionAttributeValues: { ':pk': jobPk(id), ':f': 'F#' }, ConsistentRead: true, ExclusiveStartKey: startKey })),
      MAX_FAILURES_LISTED,
    );
    return items.map((item) => ({ name: String(item.name), reason: String(item.reason) }));
  }

  async takeStringPage(id: string, page: { from: number; next: number; last: boolean }, at: string): Promise<string | undefined> {
    const { doc, tableName } = this.table;
    const names: Record<string, string> = { '#state': 'state', '#next': 'stringsNext' };
    const values: Record<string, unknown> = { ':done': 'done', ':cancelled': 'cancelled' };
    // The first page finds no stringsNext yet; every later one must be the page recorded as next.
    let condition = 'attribute_exists(stringSeed) AND (#state = :done OR #state = :cancelled) AND ';
    if (page.from === 0) condition += 'attribute_not_exists(#next)';
    else {
      condition += '#next = :from';
      values[':from'] = page.from;
    }
    let update: string;
    if (page.last) {
      update = 'SET stringsShownAt = :at REMOVE stringSeed, #next';
      values[':at'] = at;
    } else {
      update = 'SET #next = :next';
      values[':next'] = page.next;
    }
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: JOBS, sk: id },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes?.stringSeed as string | undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw storeFailure(`taking the strings of bulk job ${id}`, err);
    }
  }

  private async batchWrite(requests: Record<string, unknown>[], what: string): Promise<void> {
    const { doc, tableName } = this.table;
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_ROUNDS) throw new StoreError(`${what}: the table kept leaving items unprocessed`, 'STORE');
        const out = await storeCall(what, () => retryThrottled(what, () => doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }))));
        pending = (out.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
        if (pending.length > 0) await backoff(round);
      }
    }
  }
}
