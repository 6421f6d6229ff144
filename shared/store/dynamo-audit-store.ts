// AuditStore on the DynamoDB table: one item per event in a partition per UTC day (AUDIT#<yyyy-mm-dd> / <at>#<id>), so
// listing by time reads the days newest first; events naming a device are also in gsi1 (AUDITDEV#<name> / <at>#<id>)
// for the per-device trail. Appends only: an event is never changed. recordMany writes 25 events per BatchWriteItem
// (the listener's batched recorder uses it, so phone sessions add no store call each).
import { BatchWriteCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { ConflictError, StoreError, ValidationError } from '../errors.ts';
import type { AuditEvent, AuditPage, AuditQuery, AuditRecordOptions, AuditStore } from '../ports/index.ts';
import { decodeCursor, encodeCursor } from './dynamo-cursor.ts';
import { backoff, GSI1, storeCall, type DynamoTable } from './dynamo-table.ts';

const BATCH_SIZE = 25;
const BATCH_ROUNDS = 6;
const MAX_EVENT_BYTES = 32 * 1024;
const MAX_PAGE = 1000;
const DAY_MS = 86_400_000;
/** The widest time range one listing walks (one Query per day at most). */
export const MAX_AUDIT_RANGE_DAYS = 366;
const DEFAULT_RANGE_MS = DAY_MS;
/**
 * Items read at most for one page when the actor filter leaves few events: the page is then short and its cursor goes
 * on after the last item read (a caller follows nextCursor until it is absent).
 */
export const MAX_AUDIT_READ_PER_PAGE = 5000;
const ACTOR_READ_STEP = 1000;

/** A deterministic event id (AuditRecordOptions.id); random ids are 12 hex digits, so the two never meet. */
const AUDIT_EVENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

export function auditDayPartition(at: string): string {
  return `AUDIT#${at.slice(0, 10)}`;
}

export class DynamoAuditStore implements AuditStore {
  constructor(private readonly table: DynamoTable) {}

  async record(event: AuditEvent, options: AuditRecordOptions = {}): Promise<void> {
    const { doc, tableName } = this.table;
    const item = this.item(event, options.id);
    try {
      await storeCall(`recording audit event ${event.action}`, () =>
        doc.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })),
      );
    } catch (error) {
      // An event with a deterministic id that is already there: recorded by an earlier run of the same step.
      if (options.id !== undefined && error instanceof ConflictError) return;
      throw error;
    }
  }

  async recordMany(events: readonly AuditEvent[]): Promise<void> {
    const { doc, tableName } = this.table;
    for (let start = 0; start < events.length; start += BATCH_SIZE) {
      let requests: { PutRequest: { Item: Record<string, unknown> } }[] = events.slice(start, start + BATCH_SIZE).map((event) => ({ PutRequest: { Item: this.item(event) } }));
      for (let round = 0; requests.length > 0; round++) {
        if (round === BATCH_ROUNDS) throw new StoreError(`recording ${requests.length} audit events: DynamoDB kept them unprocessed`, 'STORE');
        if (round > 0) await backoff(round);
        const pending = requests;
        const out = await storeCall('recording audit events', () => doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } })));
        requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    }
  }

  async list(query: AuditQuery): Promise<AuditPage> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE) throw new ValidationError(`limit must be an integer from 1 to ${MAX_PAGE}`, 'INVALID_LIMIT');
    const until = query.until !== undefined ? isoTime('until', query.until) : new Date(this.table.now().getTime() + 1000).toISOString();
    const since = query.since !== undefined ? isoTime('since', query.since) : new Date(Date.parse(until) - DEFAULT_RANGE_MS).toISOString();
    if (since >= until) throw new ValidationError('since must be before until', 'INVALID_RANGE');
    return query.deviceName !== undefined ? this.listDevice(query.deviceName, since, until, query) : this.listDays(since, until, query);
  }

  private async listDevice(deviceName: string, since: string, until: string, query: AuditQuery): Promise<AuditPage> {
    const partition = `AUDITDEV#${deviceName}`;
    let start = decodeCursor(query.cursor, ['pk', 'sk', GSI1.pk, GSI1.sk]);
    if (start && start[GSI1.pk] !== partition) throw new ValidationError('cursor belongs to another query; start again without it', 'INVALID_CURSOR');
    const events: AuditEvent[] = [];
    for (let read = 0; ; ) {
      const want = query.limit - events.length;
      const out = await this.query(
        withActor(query.actor, {
          IndexName: GSI1.name,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :since AND :until',
          ExpressionAttributeNames: { '#pk': GSI1.pk, '#sk': GSI1.sk },
          ExpressionAttributeValues: { ':pk': partition, ':since': since, ':until': until },
          Limit: readLimit(query.actor, want, read),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      read += out.read;
      // More matches than wanted (a filtered read): the page ends at the last event kept, the next starts after it.
      if (out.events.length > want) return { events: [...events, ...out.events.slice(0, want)], nextCursor: encodeCursor(out.keys[want - 1])! };
      events.push(...out.events);
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      if (!nextCursor || events.length >= query.limit || read >= MAX_AUDIT_READ_PER_PAGE) return { events, ...(nextCursor ? { nextCursor } : {}) };
      start = out.LastEvaluatedKey as Record<string, string>;
    }
  }

  /** Walks the day partitions from `until` back to `since`, newest first, until the page is full. */
  private async listDays(since: string, until: string, query: AuditQuery): Promise<AuditPage> {
    if (Date.parse(until) - Date.parse(since) > MAX_AUDIT_RANGE_DAYS * DAY_MS) {
      throw new ValidationError(`a listing by time spans at most ${MAX_AUDIT_RANGE_DAYS} days; narrow since/until or list by device`, 'INVALID_RANGE');
    }
    let start = decodeCursor(query.cursor, ['pk', 'sk']);
    const firstDay = auditDayPartition(since);
    let day = start ? start.pk! : auditDayPartition(until);
    if (start && (!day.startsWith('AUDIT#') || day < firstDay || day > auditDayPartition(until))) {
      throw new ValidationError('cursor belongs to another query; start again without it', 'INVALID_CURSOR');
    }
    const events: AuditEvent[] = [];
    for (let read = 0; ; ) {
      const want = query.limit - events.length;
      const out = await this.query(
        withActor(query.actor, {
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :since AND :until',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': day, ':since': since, ':until': until },
          Limit: readLimit(query.actor, want, read),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      read += out.read;
      start = undefined;
      // More matches than wanted (a filtered read): the page ends at the last event kept, the next starts after it.
      if (out.events.length > want) {
        const kept = out.keys[want - 1]!;
        return { events: [...events, ...out.events.slice(0, want)], nextCursor: encodeCursor({ pk: kept.pk, sk: kept.sk })! };
      }
      events.push(...out.events);
      // A full page ends at its last item (unfiltered, every item read was kept); too many items read: the page stops
      // short at the last item read.
      if (events.length >= query.limit || (read >= MAX_AUDIT_READ_PER_PAGE && out.LastEvaluatedKey)) {
        const last = out.LastEvaluatedKey ?? out.lastKey;
        const more = out.LastEvaluatedKey !== undefined || day > firstDay;
        const nextCursor = more && last ? encodeCursor({ pk: last.pk, sk: last.sk }) : undefined;
        return { events, ...(nextCursor ? { nextCursor } : {}) };
      }
      if (out.LastEvaluatedKey) {
        start = out.LastEvaluatedKey as Record<string, string>;
        continue;
      }
      if (day <= firstDay) return { events };
      day = auditDayPartition(new Date(Date.parse(`${day.slice(6)}T00:00:00Z`) - DAY_MS).toISOString());
    }
  }

  private async query(
    input: Omit<QueryCommandInput, 'TableName'>,
  ): Promise<{ events: AuditEvent[]; keys: Record<string, string>[]; read: number; LastEvaluatedKey?: Record<string, unknown>; lastKey?: Record<string, unknown> }> {
    const { doc, tableName } = this.table;
    const out = await storeCall('listing audit events', () => doc.send(new QueryCommand({ TableName: tableName, ScanIndexForward: false, ...input })));
    const items = out.Items ?? [];
    const last = items[items.length - 1];
    const keyOf = (item: Record<string, unknown>): Record<string, string> => {
      const key: Record<string, string> = { pk: item.pk as string, sk: item.sk as string };
      if (typeof item[GSI1.pk] === 'string') Object.assign(key, { [GSI1.pk]: item[GSI1.pk], [GSI1.sk]: item[GSI1.sk] });
      return key;
    };
    return {
      events: items.map((item) => item.event as AuditEvent),
      keys: items.map(keyOf),
      read: out.ScannedCount ?? items.length,
      ...(out.LastEvaluatedKey ? { LastEvaluatedKey: out.LastEvaluatedKey } : {}),
      ...(last ? { lastKey: { pk: last.pk, sk: last.sk } } : {}),
    };
  }

  private item(event: AuditEvent, id?: string): Record<string, unknown> {
    const checked = checkAuditEvent(event);
    if (id !== undefined && !AUDIT_EVENT_ID.test(id)) throw new ValidationError('an audit event id is 8-64 characters of A-Z a-z 0-9 _ -', 'INVALID_AUDIT_ID');
    const sk = `${checked.at}#${id ?? randomBytes(6).toString('hex')}`;
    return {
      pk: auditDayPartition(checked.at),
      sk,
      ...(checked.deviceName !== undefined ? { [GSI1.pk]: `AUDITDEV#${checked.deviceName}`, [GSI1.sk]: sk } : {}),
      event: checked,
    };
  }
}

/**
 * Items one Query reads: the events still wanted; with the actor filter (which may drop most of them) at least
 * ACTOR_READ_STEP, within what is left of the page's read bound.
 */
function readLimit(actor: string | undefined, want: number, read: number): number {
  if (actor === undefined) return want;
  return Math.max(1, Math.min(Math.max(want, ACTOR_READ_STEP), MAX_AUDIT_READ_PER_PAGE - read));
}

/** The query with the actor filter (on the event's actor, after the key condition) when one is asked for. */
function withActor(actor: string | undefined, input: Omit<QueryCommandInput, 'TableName'>): Omit<QueryCommandInput, 'TableName'> {
  if (actor === undefined) return input;
  if (actor.length === 0 || actor.length > 512) throw new ValidationError('actor must be 1..512 characters', 'INVALID_ACTOR');
  return {
    ...input,
    FilterExpression: '#event.#actor = :actor',
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, '#event': 'event', '#actor': 'actor' },
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ':actor': actor },
  };
}

/** The time as the sort keys write it (toISOString), so string comparison is time order. */
function isoTime(field: string, value: string): string {
  const ms = typeof value === 'string' && value.length <= 40 ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new ValidationError(`${field} must be an ISO 8601 time`, 'INVALID_RANGE');
  return new Date(ms).toISOString();
}

/** Bounds an event before it is written: a valid time, short identifiers, and before/after dropped past 32 KiB. */
function checkAuditEvent(event: AuditEvent): AuditEvent {
  if (typeof event !== 'object' || event === null) throw new ValidationError('an audit event must be an object', 'INVALID_AUDIT_EVENT');
  const at = typeof event.at === 'string' ? new Date(event.at) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new ValidationError('an audit event needs its time (ISO 8601)', 'INVALID_AUDIT_EVENT');
  for (const key of ['actor', 'action'] as const) {
    if (typeof event[key] !== 'string' || event[key].length === 0 || event[key].length > 512) throw new ValidationError(`audit event ${key} must be 1..512 characters`, 'INVALID_AUDIT_EVENT');
  }
  const checked: AuditEvent = { ...event, at: at.toISOString() };
  for (const key of Object.keys(checked) as (keyof AuditEvent)[]) if (checked[key] === undefined) delete checked[key];
  if (typeof checked.message === 'string' && checked.message.length > 1024) checked.message = `${checked.message.slice(0, 1021)}...`;
  if (JSON.stringify(checked).length > MAX_EVENT_BYTES) {
    delete checked.before;
    delete checked.after;
    checked.message = `${checked.message ?? ''} (before/after omitted: over ${MAX_EVENT_BYTES} bytes)`.trim();
  }
  return checked;
}
