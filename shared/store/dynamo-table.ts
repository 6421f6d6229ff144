// The single table every store adapter shares: its layout (pk/sk strings), SDK error mapping, and the table bootstrap
// used by the local stack and tests (in AWS the CDK creates the table).
//   DEVICE#<name> / DEVICE                              a device and its operation state (dynamo-device-store.ts)
//   DEVICE#<name> / ISSUE#<operationId>#<spkiSha256>    issuance records (dynamo-issuance-store.ts)
//   PARAMS / PARAMS                                     service parameters (dynamo-parameter-store.ts)
//   TRUST#capf|callmanager / CERT#<sha256>              trust store entries (dynamo-trust-store.ts)
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, StoreError } from '../errors.ts';

/** What every store adapter works on: the document client over the table, its name and the clock. */
export interface DynamoTable {
  doc: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
}

export function openDynamoTable(client: DynamoDBClient, tableName: string, now: () => Date = () => new Date()): DynamoTable {
  return { doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), tableName, now };
}

export const DEVICE_SK = 'DEVICE';
export const PARAMS_KEY = { pk: 'PARAMS', sk: 'PARAMS' } as const;
export const ISSUE_PREFIX = 'ISSUE#';

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

/** Waits a little before the next round after a lost conditional write, so racing writers spread out. */
export function backoff(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, (round + 1) * (5 + Math.floor(Math.random() * 20))));
}

const TABLE_ACTIVE_TIMEOUT_MS = 60_000;

/** Creates the table (PAY_PER_REQUEST, string pk/sk) when it is missing and waits until it is ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  let status = await describeStatus(client, tableName);
  if (status === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
    } catch (err) {
      // Another process created it first: fine, wait for it like ours.
      if (!hasName(err, 'ResourceInUseException')) throw new StoreError(`creating table ${tableName} failed`, 'STORE', { cause: err });
    }
    status = await describeStatus(client, tableName);
  }
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  while (status !== 'ACTIVE') {
    if (Date.now() > deadline) throw new StoreError(`table ${tableName} is still ${status ?? 'missing'} after ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = await describeStatus(client, tableName);
  }
}

async function describeStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus ?? 'UNKNOWN';
  } catch (err) {
    if (hasName(err, 'ResourceNotFoundException')) return undefined;
    throw new StoreError(`describing table ${tableName} failed`, 'STORE', { cause: err });
  }
}
