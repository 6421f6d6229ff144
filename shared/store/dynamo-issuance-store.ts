// IssuanceStore on the DynamoDB table: one item per device, operation and public key (pk DEVICE#<name>, sk
// ISSUE#<operationId>#<spkiSha256>), so a retried or duplicated signing request finds the first one instead of signing
// again (the signer's claim on the key lives on the device item: dynamo-key-claim.ts). Every write is a single conditional PutItem/UpdateItem; after a lost condition a consistent GetItem tells the
// caller what is stored (dynalite returns no item with ReturnValuesOnConditionCheckFailure, so we never rely on it).
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { statesBefore } from '../domain/certificate-states.ts';
import { checkDeviceName, checkIssuanceRecord, checkIssuanceState, checkOperationId, checkSpkiSha256, normaliseIsoDate } from '../domain/validation.ts';
import { ConflictError, NotFoundError, StoreError, ValidationError } from '../errors.ts';
import { CERTIFICATE_STATES, type IssuanceKey, type IssuanceRecord, type IssuanceState, type IssuanceStore, type NotAfterQuery } from '../ports/index.ts';
import {
  CERTIFICATES_BY_NOT_AFTER,
  collectPages,
  devicePk,
  isConditionFailure,
  issuanceKey,
  ISSUE_PREFIX,
  storeCall,
  storeFailure,
  type DynamoTable,
} from './dynamo-table.ts';

const QUERY_PAGE_SIZE = 100;
/** Far more issuance records than one device ever gets; past it listing is refused instead of exhausting memory. */
const MAX_LISTED_ISSUANCES = 10_000;
/** Rounds of "condition lost, but the record vanished before we could read it" before giving up. */
const MAX_RACE_ROUNDS = 3;
/** Most records one notAfter query returns; the expiry monitor pages by narrower ranges past it. */
export const MAX_LISTED_BY_NOT_AFTER = 10_000;

export class DynamoIssuanceStore implements IssuanceStore {
  private readonly doc: DynamoTable['doc'];
  private readonly tableName: string;
  private readonly now: () => Date;

  constructor(table: DynamoTable) {
    this.doc = table.doc;
    this.tableName = table.tableName;
    this.now = table.now;
  }

  async get(key: IssuanceKey): Promise<IssuanceRecord | undefined> {
    checkKey(key);
    const out = await storeCall('reading an issuance record', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: issuanceKey(key.deviceName, key.operationId, key.spkiSha256),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item ? toIssuance(out.Item) : undefined;
  }

  async putOnce(record: IssuanceRecord): Promise<{ record: IssuanceRecord; created: boolean }> {
    checkIssuanceRecord(record);
    const item = toItem(record);
    for (let round = 0; round < MAX_RACE_ROUNDS; round++) {
      try {
        await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
        return { record: toIssuance(item), created: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw storeFailure('storing an issuance record', err);
      }
      const stored = await this.get(record);
      if (stored) return { record: stored, created: false };
    }
    throw new StoreError('storing an issuance record kept racing with a delete');
  }

  /**
   * Records the answer to a claim: the certificate (state issued) or the issuer's handle (state pending). Written when
   * the key has no record yet, or over a pending (or an earlier version's reserved) record of the same requestId;
   * repeating the same completion returns the stored record, anything else is a ConflictError.
   */
  async complete(record: IssuanceRecord): Promise<IssuanceRecord> {
    checkIssuanceRecord(record);
    if (record.state !== 'issued' && record.state !== 'pending') {
      throw new ValidationError(`complete stores state issued or pending, not ${record.state}`, 'INVALID_ISSUANCE_STATE');
    }
    const item = await this.settle(record, 'completing an issuance');
    if (item) return toIssuance(item);
    const stored = await this.get(record);
    if (!stored) throw new StoreError(`completing the issuance for ${describeKey(record)} raced with a delete`);
    if (stored.requestId === record.requestId && stored.state === record.state) return stored;
    throw new ConflictError(`issuance for ${describeKey(record)} is ${stored.state} under request ${stored.requestId}`);
  }

  /**
   * The signer's abandon after its issuer refused: the record written as abandoned under the same conditions as
   * complete, so a signer whose key another request recorded first never closes that record. A repeat is a no-op.
   */
  async abandon(record: IssuanceRecord): Promise<void> {
    checkIssuanceRecord({ ...record, state: 'abandoned' });
    if (await this.settle({ ...record, state: 'abandoned' }, 'abandoning an issuance')) return;
    const stored = await this.get(record);
    if (stored && stored.requestId === record.requestId && stored.state === 'abandoned') return;
    throw new ConflictError(`issuance for ${describeKey(record)} is ${stored?.state ?? 'gone'} under request ${stored?.requestId ?? '(none)'}`);
  }

  /** One conditional PutItem of a signer's result: the item written, or undefined when the key's record is another's. */
  private async settle(record: IssuanceRecord, what: string): Promise<Record<string, unknown> | undefined> {
    const { leaseUntil: _lease, ...finished } = record;
    const item = toItem(finished);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          // AND binds tighter than OR: no parentheses needed (docs/store-conditions.md).
          ConditionExpression: 'attribute_not_exists(pk) OR #state IN (:reserved, :pending) AND requestId = :rid',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':reserved': 'reserved', ':pending': 'pending', ':rid': record.requestId },
        }),
      );
      return item;
    } catch (err) {
      if (!isConditionFailure(err)) throw storeFailure(what, err);
      return undefined;
    }
  }

  async setState(key: IssuanceKey, state: IssuanceState): Promise<void> {
    checkKey(key);
    checkIssuanceState(state);
    const sources = statesBefore(state);
    if (sources.length === 0) throw new ValidationError(`an issuance record cannot be set to ${state}`, 'INVALID_ISSUANCE_STATE');
    const names = sources.map((_, i) => `:from${i}`);
    // Only a record holding its certificate can be installed (checkIssuanceRecord makes every issued record hold one).
    const holds = state === 'installed' ? ' AND attribute_exists(certificate)' : '';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: issuanceKey(key.deviceName, key.operationId, key.spkiSha256),
          UpdateExpression: 'SET #state = :state, stateAt = :now',
          ConditionExpression: `attribute_exists(pk) AND #state IN (${names.join(', ')})${holds}`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':state': state, ':now': this.now().toISOString(), ...Object.fromEntries(sources.map((from, i) => [names[i], from])) },
        }),
      );
      return;
    } catch (err) {
      if (!isConditionFailure(err)) throw storeFailure('updating an issuance state', err);
    }
    const stored = await this.get(key);
    if (!stored) throw new NotFoundError(`no issuance record for ${describeKey(key)}`);
    if (stored.state === state) return; // a repeat: already there
    const why = state === 'installed' && !stored.certificate ? 'holds no certificate' : `is ${stored.state}`;
    throw new ConflictError(`issuance for ${describeKey(key)} ${why} and cannot become ${state}`);
  }

  /** Certificates by expiry through the CERTIFICATES_BY_NOT_AFTER index: one query per state, merged soonest first. */
  async listByNotAfter(query: NotAfterQuery): Promise<IssuanceRecord[]> {
    const from = normaliseIsoDate('the range start', query.from);
    const to = normaliseIsoDate('the range end', query.to);
    if (from > to) throw new ValidationError(`the notAfter range starts (${from}) after it ends (${to})`, 'INVALID_RANGE');
    const states = query.states ?? CERTIFICATE_STATES;
    for (const state of states) if (!(CERTIFICATE_STATES as readonly string[]).includes(state)) checkIssuanceState(state);
    const limit = query.limit ?? MAX_LISTED_BY_NOT_AFTER;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED_BY_NOT_AFTER) {
      throw new ValidationError(`limit must be an integer from 1 to ${MAX_LISTED_BY_NOT_AFTER}`, 'INVALID_LIMIT');
    }
    // The index sorts each state's certificates by notAfter, so each state stops after `limit`.
    const perState = await Promise.all([...new Set(states)].map((state) => this.soonestInState(state, from, to, limit)));
    const records = perState.flat().map(toIssuance);
    const notAfter = (record: IssuanceRecord) => record.certificate?.notAfter ?? '';
    return records.sort((a, b) => notAfter(a).localeCompare(notAfter(b)) || a.deviceName.localeCompare(b.deviceName)).slice(0, limit);
  }

  private async soonestInState(state: string, from: string, to: string, limit: number): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await storeCall(`listing ${state} certificates by notAfter`, () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: CERTIFICATES_BY_NOT_AFTER.indexName,
            KeyConditionExpression: '#state = :state AND #notAfter BETWEEN :start AND :end',
            ExpressionAttributeNames: { '#state': CERTIFICATES_BY_NOT_AFTER.partitionKey, '#notAfter': CERTIFICATES_BY_NOT_AFTER.sortKey },
            ExpressionAttributeValues: { ':state': state, ':start': from, ':end': to },
            Limit: Math.min(limit - items.length, QUERY_PAGE_SIZE),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit);
  }

  async listForDevice(deviceName: string): Promise<IssuanceRecord[]> {
    checkDeviceName(deviceName);
    const items = await collectPages(
      'listing issuance records',
      (startKey) =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': devicePk(deviceName), ':prefix': ISSUE_PREFIX },
            ConsistentRead: true,
            Limit: QUERY_PAGE_SIZE,
            ExclusiveStartKey: startKey,
          }),
        ),
      MAX_LISTED_ISSUANCES,
    );
    return items.map(toIssuance).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.operationId.localeCompare(b.operationId));
  }
}

function checkKey(key: IssuanceKey): void {
  if (typeof key !== 'object' || key === null) throw new ValidationError('issuance key must be an object');
  checkDeviceName(key.deviceName);
  checkOperationId(key.operationId);
  checkSpkiSha256(key.spkiSha256);
}

function describeKey(key: IssuanceKey): string {
  return `${key.deviceName} operation ${key.operationId} key ${key.spkiSha256.slice(0, 16)}...`;
}

/** The item: key, record and, for a record holding a certificate, the notAfter the expiry index sorts on. */
function toItem(record: IssuanceRecord): Record<string, unknown> {
  const item: Record<string, unknown> = { ...issuanceKey(record.deviceName, record.operationId, record.spkiSha256), ...pickIssuance(record) };
  if (record.certificate) item[CERTIFICATES_BY_NOT_AFTER.sortKey] = normaliseIsoDate('notAfter', record.certificate.notAfter);
  return item;
}

function toIssuance(item: Record<string, unknown>): IssuanceRecord {
  return pickIssuance(item as unknown as IssuanceRecord);
}

/** Copies the known fields only, so table keys and stray attributes never leak into records. */
function pickIssuance(source: IssuanceRecord): IssuanceRecord {
  const record: IssuanceRecord = {
    deviceName: source.deviceName,
    operationId: source.operationId,
    spkiSha256: source.spkiSha256,
    requestId: source.requestId,
    state: source.state,
    chainPem: source.chainPem ?? [],
    issuer: source.issuer,
    createdAt: source.createdAt,
  };
  if (source.leaseUntil !== undefined) record.leaseUntil = source.leaseUntil;
  if (source.certificate !== undefined) record.certificate = source.certificate;
  if (source.pendingHandle !== undefined) record.pendingHandle = source.pendingHandle;
  if (source.stateAt !== undefined) record.stateAt = source.stateAt;
  return record;
}
