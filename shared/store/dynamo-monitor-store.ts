// MonitorStore on the DynamoDB table:
//   NOTICE#<recipient> / SENT#<notice key>    one item per notice sent (pruned by the monitor: dynalite has no TTL)
//   MONITOR / CRL                             the last CRL published (number, times, list digest)
// Revocation updates the issuance item itself (state revoked, stateAt, revocationReason), conditional on the same
// forward-only states as IssuanceStore.setState; the revoked list is read back through the notAfter index.
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { statesBefore } from '../domain/certificate-states.ts';
import { normaliseIsoDate } from '../domain/validation.ts';
import { ConflictError, StoreError, ValidationError } from '../errors.ts';
import { CERTIFICATE_STATES, type CertificateState, type IssuanceKey, type MonitorStore, type PublishedCrl, type RevocationReason, type RevokedLsc } from '../ports/index.ts';
import { CERTIFICATES_BY_NOT_AFTER, collectPages, isConditionFailure, issuanceKey, storeCall, storeFailure, type DynamoTable } from './dynamo-table.ts';

const CRL_KEY = { pk: 'MONITOR', sk: 'CRL' } as const;
const SCHEDULE_KEY = { pk: 'MONITOR', sk: 'SCHEDULE' } as const;
const SENT_PREFIX = 'SENT#';
const BATCH = 25;
const PAGE = 1000;
/** Notice keys are about 100-500 bytes; the sort key holds up to 1024. */
const MAX_KEY_BYTES = 900;
/** Far more than one recipient is ever sent between prunes; past it the read is refused. */
const MAX_SENT_PER_RECIPIENT = 1_000_000;
const MAX_REVOKED_LISTED = 250_000;
const MAX_UNPROCESSED_ROUNDS = 8;
/** Before and after every notAfter the index holds (both ISO 8601, so they sort as strings). */
const EARLIEST = '0000-01-01T00:00:00.000Z';
const LATEST = '9999-12-31T23:59:59.999Z';

function noticePk(recipient: string): string {
  if (typeof recipient !== 'string' || recipient.length === 0 || recipient.length > 300) throw new ValidationError('notice recipient must be 1-300 characters', 'INVALID_RECIPIENT');
  return `NOTICE#${recipient}`;
}

function sentSk(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > MAX_KEY_BYTES) throw new ValidationError(`a notice key must be 1-${MAX_KEY_BYTES} bytes`, 'INVALID_NOTICE_KEY');
  return `${SENT_PREFIX}${key}`;
}

export class DynamoMonitorStore implements MonitorStore {
  constructor(private readonly table: DynamoTable) {}

  async sentNotices(recipient: string): Promise<Set<string>> {
    const { doc, tableName } = this.table;
    const pk = noticePk(recipient);
    const items = await collectPages(
      'reading sent notices',
      (startKey) =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': pk, ':prefix': SENT_PREFIX },
            ProjectionExpression: 'sk',
            ConsistentRead: true,
            Limit: PAGE,
            ExclusiveStartKey: startKey,
          }),
        ),
      MAX_SENT_PER_RECIPIENT,
    );
    return new Set(items.map((item) => String(item.sk).slice(SENT_PREFIX.length)));
  }

  async recordSent(recipient: string, keys: readonly string[]): Promise<void> {
    const pk = noticePk(recipient);
    const sentAt = this.table.now().toISOString();
    // Idempotent puts (the same key, the same item), so a batch without conditions is safe.
    await this.batch(keys.map((key) => ({ PutRequest: { Item: { pk, sk: sentSk(key), sentAt } } })), 'recording sent notices');
  }

  async forgetSent(recipient: string, keys: readonly string[]): Promise<void> {
    const pk = noticePk(recipient);
    await this.batch(keys.map((key) => ({ DeleteRequest: { Key: { pk, sk: sentSk(key) } } })), 'forgetting sent notices');
  }

  private async batch(requests: Record<string, unknown>[], what: string): Promise<void> {
    const { doc, tableName } = this.table;
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < requests.length; i += BATCH) chunks.push(requests.slice(i, i + BATCH));
    const writeChunk = async (chunk: Record<string, unknown>[]) => {
      let pending = chunk;
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS) throw new StoreError(`${what}: the table kept leaving items unprocessed`, 'STORE');
        const out = await storeCall(what, () => doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } })));
        pending = (out.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * (round + 1)));
      }
    };
    // A few batches at a time: quick on dynalite and DynamoDB, without flooding either.
    for (let i = 0; i < chunks.length; i += 4) await Promise.all(chunks.slice(i, i + 4).map(writeChunk));
  }

  async revoke(key: IssuanceKey, reason: RevocationReason): Promise<boolean> {
    const { doc, tableName } = this.table;
    const sources = statesBefore('revoked');
    const names = sources.map((_, i) => `:from${i}`);
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: issuanceKey(key.deviceName, key.operationId, key.spkiSha256),
          UpdateExpression: 'SET #state = :revoked, stateAt = :now, revocationReason = :reason',
          ConditionExpression: `attribute_exists(pk) AND attribute_exists(certificate) AND #state IN (${names.join(', ')})`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':revoked': 'revoked', ':now': this.table.now().toISOString(), ':reason': reason, ...Object.fromEntries(sources.map((from, i) => [names[i], from])) },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw storeFailure('revoking an LSC', err);
    }
  }

  async countCertificates(state: CertificateState, range: { from?: string; to?: string } = {}): Promise<number> {
    const { doc, tableName } = this.table;
    if (!(CERTIFICATE_STATES as readonly string[]).includes(state)) throw new ValidationError(`not a certificate state: ${String(state).slice(0, 40)}`, 'INVALID_STATE');
    const from = range.from === undefined ? EARLIEST : normaliseIsoDate('the range start', range.from);
    const to = range.to === undefined ? LATEST : normaliseIsoDate('the range end', range.to);
    if (from > to) return 0;
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await storeCall(`counting ${state} certificates`, () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: CERTIFICATES_BY_NOT_AFTER.indexName,
            KeyConditionExpression: '#state = :state AND #notAfter BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#state': CERTIFICATES_BY_NOT_AFTER.partitionKey, '#notAfter': CERTIFICATES_BY_NOT_AFTER.sortKey },
            ExpressionAttributeValues: { ':state': state, ':from': from, ':to': to },
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  async listRevoked(notAfterFrom: string): Promise<RevokedLsc[]> {
    const { doc, tableName } = this.table;
    const from = normaliseIsoDate('notAfterFrom', notAfterFrom);
    const items = await collectPages(
      'listing revoked LSCs',
      (startKey) =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: CERTIFICATES_BY_NOT_AFTER.indexName,
            KeyConditionExpression: '#state = :revoked AND #notAfter >= :from',
            ExpressionAttributeNames: { '#state': CERTIFICATES_BY_NOT_AFTER.partitionKey, '#notAfter': CERTIFICATES_BY_NOT_AFTER.sortKey, '#c': 'certificate' },
            ExpressionAttributeValues: { ':revoked': 'revoked', ':from': from },
            ProjectionExpression: 'deviceName, #c.serialHex, #notAfter, stateAt, revocationReason, createdAt',
            Limit: PAGE,
            ExclusiveStartKey: startKey,
          }),
        ),
      MAX_REVOKED_LISTED,
    );
    return items.map((item) => {
      const certificate = item.certificate as { serialHex?: string } | undefined;
      return {
        deviceName: String(item.deviceName),
        serialHex: String(certificate?.serialHex ?? ''),
        revokedAt: String(item.stateAt ?? item.createdAt),
        // Records revoked by something other than the monitor carry no reason: published as unspecified.
        reason: (typeof item.revocationReason === 'string' ? item.revocationReason : 'unspecified') as RevocationReason,
        notAfter: String(item[CERTIFICATES_BY_NOT_AFTER.sortKey]),
      };
    });
  }

  async publishedCrl(): Promise<PublishedCrl | undefined> {
    const { doc, tableName } = this.table;
    const out = await storeCall('reading the CRL state', () => doc.send(new GetCommand({ TableName: tableName, Key: CRL_KEY, ConsistentRead: true })));
    if (!out.Item) return undefined;
    const { crlNumber, thisUpdate, nextUpdate, listHash } = out.Item as Record<string, unknown>;
    return { crlNumber: Number(crlNumber), thisUpdate: String(thisUpdate), nextUpdate: String(nextUpdate), listHash: String(listHash) };
  }

  async schedule(): Promise<{ lastRunAt: string; nextRunAt: string } | undefined> {
    const { doc, tableName } = this.table;
    const out = await storeCall('reading the monitor schedule', () => doc.send(new GetCommand({ TableName: tableName, Key: SCHEDULE_KEY, ConsistentRead: true })));
    if (!out.Item) return undefined;
    return { lastRunAt: String(out.Item.lastRunAt), nextRunAt: String(out.Item.nextRunAt) };
  }

  async saveSchedule(schedule: { lastRunAt: string; nextRunAt: string }): Promise<void> {
    const { doc, tableName } = this.table;
    const lastRunAt = normaliseIsoDate('lastRunAt', schedule.lastRunAt);
    const nextRunAt = normaliseIsoDate('nextRunAt', schedule.nextRunAt);
    try {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...SCHEDULE_KEY, lastRunAt, nextRunAt },
          ConditionExpression: 'attribute_not_exists(pk) OR lastRunAt <= :last',
          ExpressionAttributeValues: { ':last': lastRunAt },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) return; // a later run recorded its schedule: it stands
      throw storeFailure('saving the monitor schedule', err);
    }
  }

  async savePublishedCrl(next: PublishedCrl, previousNumber: number | undefined): Promise<void> {
    const { doc, tableName } = this.table;
    if (!Number.isSafeInteger(next.crlNumber) || next.crlNumber < 1 || (previousNumber !== undefined && next.crlNumber <= previousNumber)) {
      throw new ValidationError(`the CRL number must grow (${previousNumber ?? 'none'} -> ${next.crlNumber})`, 'INVALID_CRL_NUMBER');
    }
    try {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...CRL_KEY, ...next },
          ...(previousNumber === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'crlNumber = :previous', ExpressionAttributeValues: { ':previous': previousNumber } }),
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`another monitor run published CRL number ${next.crlNumber} or later first`);
      throw storeFailure('saving the CRL state', err);
    }
  }
}
