// PendingCsrStore on the DynamoDB table: one item per device and CSR key (pk DEVICE#<name>, sk CSR#<spkiSha256>), so
// a device's CSRs come with one Query and the import finds a certificate's CSR with one GetItem (the device is the
// certificate's subject CN). Every CSR item also carries keys of the overloaded indexes (dynamo-table.ts): gsi2
// CSR / <requestedAt>#<device>#<key> lists every CSR by time, gsi1 CSRKEY#<key> / <device> finds a key under any
// device (the import's refusal path): Queries, never a Scan. Every write is conditional.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { checkDeviceName, checkOperationId, checkSpkiSha256, checkStoredCertificate } from '../domain/validation.ts';
import { ConflictError, NotFoundError, StoreError, ValidationError } from '../errors.ts';
import type { CsrImport, PendingCsr, PendingCsrKey, PendingCsrStore } from '../ports/index.ts';
import { collectPages, devicePk, GSI1, GSI2, isConditionFailure, storeCall, storeFailure, type DynamoTable } from './dynamo-table.ts';

export const CSR_PREFIX = 'CSR#';
/** Far more CSRs than a cluster keeps waiting; past it a listing is refused instead of exhausting memory. */
const MAX_LISTED_CSRS = 20_000;
const MAX_CSR_PEM = 16_384;
const MAX_TEXT = 512;

export function pendingCsrKey(deviceName: string, spkiSha256: string): { pk: string; sk: string } {
  return { pk: devicePk(deviceName), sk: `${CSR_PREFIX}${spkiSha256}` };
}

/** The partition of gsi2 that lists every CSR by time. */
const CSR_LIST_PARTITION = 'CSR';

/** The index keys of a CSR item: gsi2 (every CSR by time), gsi1 (by public key). */
export function pendingCsrIndexKeys(record: Pick<PendingCsr, 'deviceName' | 'spkiSha256' | 'requestedAt'>): Record<string, string> {
  return {
    [GSI2.pk]: CSR_LIST_PARTITION,
    [GSI2.sk]: `${record.requestedAt}#${record.deviceName}#${record.spkiSha256}`,
    [GSI1.pk]: `CSRKEY#${record.spkiSha256}`,
    [GSI1.sk]: record.deviceName,
  };
}

export class DynamoPendingCsrStore implements PendingCsrStore {
  constructor(private readonly table: DynamoTable) {}

  async putOnce(record: PendingCsr): Promise<{ record: PendingCsr; created: boolean }> {
    checkRecord(record);
    const item = { ...pendingCsrKey(record.deviceName, record.spkiSha256), ...pendingCsrIndexKeys(record), ...pick(record) };
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: item,
          // A pending CSR of the same key for another (older) operation is re-exported for this one.
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :pending AND operationId <> :op)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': 'pending', ':op': record.operationId },
        }),
      );
      return { record: pick(record), created: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw storeFailure('storing a pending CSR', err);
    }
    const stored = await this.get(record);
    if (!stored) throw new StoreError('storing a pending CSR raced with its deletion; try again');
    return { record: stored, created: false };
  }

  async get(key: PendingCsrKey): Promise<PendingCsr | undefined> {
    checkKey(key);
    const out = await storeCall('reading a pending CSR', () =>
      this.table.doc.send(new GetCommand({ TableName: this.table.tableName, Key: pendingCsrKey(key.deviceName, key.spkiSha256), ConsistentRead: true })),
    );
    return out.Item ? pick(out.Item as unknown as PendingCsr) : undefined;
  }

  async listForDevice(deviceName: string): Promise<PendingCsr[]> {
    checkDeviceName(deviceName);
    const items = await collectPages(
      'listing the CSRs of a device',
      (startKey) =>
        this.table.doc.send(
          new QueryCommand({
            TableName: this.table.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': devicePk(deviceName), ':prefix': CSR_PREFIX },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      MAX_LISTED_CSRS,
    );
    return sorted(items);
  }

  list(): Promise<PendingCsr[]> {
    return this.query('listing pending CSRs', GSI2.name, GSI2.pk, CSR_LIST_PARTITION);
  }

  findByKey(spkiSha256: string): Promise<PendingCsr[]> {
    checkSpkiSha256(spkiSha256);
    return this.query('finding a CSR by key', GSI1.name, GSI1.pk, `CSRKEY#${spkiSha256}`);
  }

  async markImported(key: PendingCsrKey, imported: CsrImport): Promise<PendingCsr> {
    checkKey(key);
    checkImport(imported);
    try {
      const out = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: pendingCsrKey(key.deviceName, key.spkiSha256),
          UpdateExpression: 'SET #state = :imported, imported = :value',
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':imported': 'imported', ':pending': 'pending', ':value': imported },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return pick(out.Attributes as unknown as PendingCsr);
    } catch (err) {
      if (!isConditionFailure(err)) throw storeFailure('recording an imported certificate', err);
    }
    const stored = await this.get(key);
    if (!stored) throw new NotFoundError(`no pending CSR of ${key.deviceName} for key ${key.spkiSha256.slice(0, 16)}...`);
    const same = stored.imported?.source === imported.source && stored.imported.certificate.sha256Fingerprint === imported.certificate.sha256Fingerprint;
    if (same) return stored;
    throw new ConflictError(`the CSR of ${key.deviceName} for key ${key.spkiSha256.slice(0, 16)}... already has a certificate (imported from ${stored.imported?.source ?? '?'})`);
  }

  async delete(key: PendingCsrKey): Promise<void> {
    checkKey(key);
    try {
      await this.table.doc.send(
        new DeleteCommand({ TableName: this.table.tableName, Key: pendingCsrKey(key.deviceName, key.spkiSha256), ConditionExpression: 'attribute_exists(pk)' }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new NotFoundError(`no pending CSR of ${key.deviceName} for key ${key.spkiSha256.slice(0, 16)}...`);
      throw storeFailure('deleting a pending CSR', err);
    }
  }

  /** One partition of an index, every page (bounded). Index reads are eventually consistent: listings only. */
  private async query(what: string, indexName: string, partitionKey: string, partition: string): Promise<PendingCsr[]> {
    const items = await collectPages(
      what,
      (startKey) =>
        this.table.doc.send(
          new QueryCommand({
            TableName: this.table.tableName,
            IndexName: indexName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': partitionKey },
            ExpressionAttributeValues: { ':pk': partition },
            ExclusiveStartKey: startKey,
          }),
        ),
      MAX_LISTED_CSRS,
    );
    return sorted(items);
  }
}

function sorted(items: Record<string, unknown>[]): PendingCsr[] {
  return items.map((item) => pick(item as unknown as PendingCsr)).sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.deviceName.localeCompare(b.deviceName));
}

function checkKey(key: PendingCsrKey): void {
  if (typeof key !== 'object' || key === null) throw new ValidationError('pending CSR key must be an object');
  checkDeviceName(key.deviceName);
  checkSpkiSha256(key.spkiSha256);
}

function text(field: string, value: unknown, max = MAX_TEXT): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new ValidationError(`pending CSR ${field} must be a non-empty string of at most ${max} characters`, 'INVALID_PENDING_CSR');
  }
}

function checkRecord(record: PendingCsr): void {
  checkKey(record);
  checkOperationId(record.operationId);
  checkOperationId(record.requestId);
  text('objectKey', record.objectKey, 1024);
  text('keyType', record.keyType);
  text('requestedAt', record.requestedAt);
  text('csrPem', record.csrPem, MAX_CSR_PEM);
  if (record.state !== 'pending') throw new ValidationError('a new pending CSR is in state pending', 'INVALID_PENDING_CSR');
}

function checkImport(imported: CsrImport): void {
  text('imported.at', imported.at);
  text('imported.source', imported.source, 1024);
  checkStoredCertificate('imported.certificate', imported.certificate);
  if (!Array.isArray(imported.chainPem) || imported.chainPem.length > 10 || imported.chainPem.some((pem) => typeof pem !== 'string' || pem.length > MAX_CSR_PEM)) {
    throw new ValidationError('imported.chainPem must be at most 10 PEM certificates', 'INVALID_PENDING_CSR');
  }
}

/** Copies the known fields only, so table keys and stray attributes never leak into records. */
function pick(source: PendingCsr): PendingCsr {
  const record: PendingCsr = {
    deviceName: source.deviceName,
    spkiSha256: source.spkiSha256,
    operationId: source.operationId,
    requestId: source.requestId,
    objectKey: source.objectKey,
    keyType: source.keyType,
    requestedAt: source.requestedAt,
    csrPem: source.csrPem,
    state: source.state,
  };
  if (source.imported !== undefined) record.imported = source.imported;
  return record;
}
