// The single table every store adapter shares: its layout (pk/sk strings), SDK error mapping, and the table bootstrap
// used by the local stack and tests (in AWS the CDK creates the table).
//   DEVICE#<name> / DEVICE                              a device and its operation state (dynamo-device-store.ts)
//   DEVICE#<name> / ISSUE#<operationId>#<spkiSha256>    issuance records (dynamo-issuance-store.ts)
//   DEVICE#<name> / CSR#<spkiSha256>                   the offline CA's pending CSRs (dynamo-pending-csr-store.ts)
//   PARAMS / PARAMS                                     service parameters (dynamo-parameter-store.ts)
//   TRUST#capf|callmanager / CERT#<sha256>              trust store entries (dynamo-trust-store.ts)
// Index CERTIFICATES_BY_NOT_AFTER: partition `state`, sort `certNotAfter`. Only issuance records holding a certificate
// carry `certNotAfter` (a copy of certificate.notAfter), so the index holds certificates only (sparse), listed by state
// and expiry (expiry monitor, admin API). The CDK table (infra/constructs/storage.ts) defines the same index.
//   AUDIT#<yyyy-mm-dd> / <at>#<id>                      audit events, one partition per UTC day (dynamo-audit-store.ts)
// Two more global secondary indexes, overloaded (each entity writes its own key values; an item without them is not
// indexed):
//   gsi1: gsi1pk / gsi1sk   DEVSTATUS#<status> / <name>      devices by operation status (then name)
//                           AUDITDEV#<name> / <at>#<id>      audit events of one device, by time
//                           CSRKEY#<spkiSha256> / <name>     a pending CSR by its public key (offline import)
//   gsi2: gsi2pk / gsi2sk   DEVICE / <name>                  every device by name (name prefix: begins_with)
//                           CSR / <requestedAt>#<name>#<key> every pending CSR by time (capf csr list)
// README "Data model" lists the same.
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTableCommand,
  type DynamoDBClient,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { ConflictError, StoreError } from '../errors.ts';
import { documentClient, type DocumentClient } from './dynamo-document.ts';
import { rebuildTable } from './table-rebuild.ts';

/** What every store adapter works on: the document client over the table, its name and the clock. */
export interface DynamoTable {
  doc: DocumentClient;
  tableName: string;
  now: () => Date;
}

export function openDynamoTable(client: DynamoDBClient, tableName: string, now: () => Date = () => new Date()): DynamoTable {
  return { doc: documentClient(client), tableName, now };
}

export const DEVICE_SK = 'DEVICE';
export const PARAMS_KEY = { pk: 'PARAMS', sk: 'PARAMS' } as const;
export const ISSUE_PREFIX = 'ISSUE#';

/** The certificates-by-expiry index: its name and key attributes (infra/constructs/storage.ts repeats them). */
export const CERTIFICATES_BY_NOT_AFTER = { indexName: 'certificates-by-not-after', partitionKey: 'state', sortKey: 'certNotAfter' } as const;

export const GSI1 = { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' } as const;
export const GSI2 = { name: 'gsi2', pk: 'gsi2pk', sk: 'gsi2sk' } as const;
/** The overloaded indexes (devices by status and by name, audit events by device); the CDK table has the same. */
export const TABLE_INDEXES = [GSI1, GSI2] as const;

/** The table's secondary indexes, as CreateTable and UpdateTable take them. */
const GLOBAL_INDEXES: GlobalSecondaryIndex[] = [
  ...TABLE_INDEXES.map(
    (index): GlobalSecondaryIndex => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.pk, KeyType: 'HASH' },
        { AttributeName: index.sk, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    }),
  ),
  {
    IndexName: CERTIFICATES_BY_NOT_AFTER.indexName,
    KeySchema: [
      { AttributeName: CERTIFICATES_BY_NOT_AFTER.partitionKey, KeyType: 'HASH' },
      { AttributeName: CERTIFICATES_BY_NOT_AFTER.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'ALL' },
  },
];
const INDEX_ATTRIBUTES = [
  ...TABLE_INDEXES.flatMap((index) => [
    { AttributeName: index.pk, AttributeType: 'S' as const },
    { AttributeName: index.sk, AttributeType: 'S' as const },
  ]),
  { AttributeName: CERTIFICATES_BY_NOT_AFTER.partitionKey, AttributeType: 'S' as const },
  { AttributeName: CERTIFICATES_BY_NOT_AFTER.sortKey, AttributeType: 'S' as const },
];

export function devicePk(name: string): string {
  return `DEVICE#${name}`;
}

export function deviceKey(name: string): { pk: string; sk: string } {
  return { pk: devicePk(name), sk: DEVICE_SK };
}

export function issuanceKey(deviceName: string, operationId: string, spkiSha256: string): { pk: string; sk: string } {
  return { pk: devicePk(deviceName), sk: `${ISSUE_PREFIX}${operationId}#${spkiSha256}` };
}

function hasName(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;
}

export function isConditionFailure(err: unknown): boolean {
  return hasName(err, 'ConditionalCheckFailedException');
}

/**
 * Runs one SDK call and maps its failure into the project's hierarchy: a lost condition becomes ConflictError,
 * anything else StoreError carrying the SDK error as cause.
 */
export async function storeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isConditionFailure(err)) throw new ConflictError(`${what}: the item changed meanwhile`);
    throw storeFailure(what, err);
  }
}

/** A StoreError naming what failed, with the SDK's error as cause (its message carries no item data). */
export function storeFailure(what: string, err: unknown): StoreError {
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new StoreError(`${what} failed (${detail})`, 'STORE', { cause: err });
}

type PageKey = Record<string, unknown> | undefined;

/**
 * Follows LastEvaluatedKey through a Query or Scan and collects the items; more than `maxItems` is refused with a
 * StoreError rather than growing without bound.
 */
export async function collectPages(
  what: string,
  fetchPage: (startKey: PageKey) => Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: PageKey }>,
  maxItems: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: PageKey;
  do {
    const page = await storeCall(what, () => fetchPage(startKey));
    items.push(...(page.Items ?? []));
    if (items.length > maxItems) throw new StoreError(`${what}: more than ${maxItems} items, refusing to load them all at once`, 'TOO_MANY');
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * Waits before the next round after a lost conditional write, so racing writers spread out: exponential with full
 * jitter (a random wait up to 10 ms, 20 ms, 40 ms, … capped at 250 ms), which keeps eight sessions racing on one
 * device from losing the same round again and again.
 */
export function backoff(round: number): Promise<void> {
  const ceiling = Math.min(250, 10 * 2 ** round);
  return new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * ceiling)));
}

const TABLE_ACTIVE_TIMEOUT_MS = 60_000;

/**
 * Creates the table (PAY_PER_REQUEST, string pk/sk, the secondary indexes) when it is missing, adds an index an older
 * table lacks (a data folder from an earlier version), and waits until the table and its indexes are ACTIVE. True when
 * it added indexes (items written before them may lack their keys: see dynamo-index-backfill.ts).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  let status = await describeStatus(client, tableName);
  if (status === undefined) {
    try {
      await client.send(new CreateTableCommand(tableDefinition(tableName)));
    } catch (err) {
      // Another process created it first: fine, wait for it like ours.
      if (!hasName(err, 'ResourceInUseException')) throw new StoreError(`creating table ${tableName} failed`, 'STORE', { cause: err });
    }
    status = await describeStatus(client, tableName);
  }
  await waitActive(client, tableName, status);
  if (!(await addMissingIndexes(client, tableName))) return false;
  await waitActive(client, tableName, 'INDEXING');
  // dynalite ignores a new index on an existing table: rebuild the (local) table with it.
  if ((await missingIndexes(client, tableName)).length > 0) {
    await rebuildTable(client, tableDefinition(tableName), () => waitActive(client, tableName, 'CREATING'));
  }
  return true;
}

function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }, ...INDEX_ATTRIBUTES],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: GLOBAL_INDEXES,
  };
}

async function missingIndexes(client: DynamoDBClient, tableName: string): Promise<GlobalSecondaryIndex[]> {
  const present = new Set((await describe(client, tableName))?.GlobalSecondaryIndexes?.map((index) => index.IndexName));
  return GLOBAL_INDEXES.filter((index) => !present.has(index.IndexName));
}

/** Waits until the table and its indexes are ACTIVE. */
async function waitActive(client: DynamoDBClient, tableName: string, first: string | undefined): Promise<void> {
  let status = first;
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  while (status !== 'ACTIVE') {
    if (Date.now() > deadline) throw new StoreError(`table ${tableName} is still ${status ?? 'missing'} after ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = await describeStatus(client, tableName);
  }
}

/** Creates the indexes an existing table lacks (one per UpdateTable call, as DynamoDB requires); true if it did. */
async function addMissingIndexes(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const missing = await missingIndexes(client, tableName);
  for (const index of missing) {
    try {
      await client.send(new UpdateTableCommand({ TableName: tableName, AttributeDefinitions: INDEX_ATTRIBUTES, GlobalSecondaryIndexUpdates: [{ Create: index }] }));
    } catch (err) {
      // Another process added it first: fine. dynalite refuses (ValidationException) or ignores a new index: the
      // caller then finds it still missing and rebuilds the table.
      if (!hasName(err, 'ResourceInUseException') && !hasName(err, 'ValidationException')) {
        throw new StoreError(`adding index ${index.IndexName ?? ''} to table ${tableName} failed`, 'STORE', { cause: err });
      }
    }
  }
  return missing.length > 0;
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table ?? {};
  } catch (err) {
    if (hasName(err, 'ResourceNotFoundException')) return undefined;
    throw new StoreError(`describing table ${tableName} failed`, 'STORE', { cause: err });
  }
}

/** The table's status, or INDEXING while an index is still being built; undefined when the table is missing. */
async function describeStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  const table = await describe(client, tableName);
  if (!table) return undefined;
  if (table.TableStatus === 'ACTIVE' && table.GlobalSecondaryIndexes?.some((index) => index.IndexStatus !== 'ACTIVE')) return 'INDEXING';
  return table.TableStatus ?? 'UNKNOWN';
}
