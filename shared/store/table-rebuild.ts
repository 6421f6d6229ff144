// dynalite (the local stack's DynamoDB) accepts UpdateTable with a new global secondary index and silently ignores it,
// so a data folder created before an index existed never gets it. For that case only, the table is rebuilt: every item
// is read into memory, the table is created anew with its indexes, and the items are written back. DynamoDB and
// moto_server add the index in place and never come here. Bounded: a table too large to hold is refused instead.
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors.ts';
import { documentClient } from './dynamo-document.ts';

/** Far above a local stack's devices and certificates; a larger table is not rebuilt in memory. */
const MAX_REBUILT_ITEMS = 200_000;
const BATCH = 25;

/** Reads every item, recreates the table from `definition` and writes the items back. */
export async function rebuildTable(client: DynamoDBClient, definition: CreateTableCommandInput, waitActive: () => Promise<void>): Promise<void> {
  const tableName = definition.TableName as string;
  const doc = documentClient(client);
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    if (items.length > MAX_REBUILT_ITEMS) {
      throw new StoreError(`table ${tableName} lacks an index and has over ${MAX_REBUILT_ITEMS} items: add the index with the DynamoDB console or CLI`, 'INDEX_MISSING');
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  while (await exists(client, tableName)) await new Promise((resolve) => setTimeout(resolve, 20));
  await client.send(new CreateTableCommand(definition));
  await waitActive();
  for (let i = 0; i < items.length; i += BATCH) {
    let pending: Record<string, unknown>[] = items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
    }
  }
}

async function exists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw err;
  }
}
