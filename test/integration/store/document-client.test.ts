// The store's document client (shared/store/dynamo-document.ts) against dynalite through the local stack's client
// (cacheMiddleware on): each lib-dynamodb command the adapters use goes out as the low-level one and comes back with
// plain values, as lib-dynamodb's own client would give them; many calls at once over the one cached stack each get
// their own answer; what it does not translate is refused before anything is sent.
import { TransactWriteCommand, BatchGetCommand, BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type RunningDynalite } from '../../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { documentClient, type DocumentClient } from '../../../shared/store/dynamo-document.ts';
import { ensureTable } from '../../../shared/store/dynamo-table.ts';

const TableName = 'doc-client';
let dynalite: RunningDynalite;
let client: ReturnType<typeof createDynamoClient>;
let doc: DocumentClient;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = createDynamoClient(dynalite.endpoint);
  await ensureTable(client, TableName);
  doc = documentClient(client);
});
afterAll(async () => {
  client.destroy();
  await dynalite.close();
});

const sample = {
  pk: 'P#1',
  sk: 'A',
  text: 'hello',
  count: 42,
  ratio: 0.5,
  flag: false,
  nothing: null,
  list: ['a', 1, { deep: true }],
  map: { inner: { n: 7 }, name: 'x' },
  bytes: new Uint8Array([1, 2, 3]),
  tags: new Set(['b', 'a']),
};

describe('the store document client', () => {
  it('puts and gets an item of every value type, dropping undefined attributes', async () => {
    await doc.send(new PutCommand({ TableName, Item: { ...sample, gone: undefined }, ConditionExpression: 'attribute_not_exists(pk) OR #t = :t', ExpressionAttributeNames: { '#t': 'text' }, ExpressionAttributeValues: { ':t': 'hello' } }));
    const item = (await doc.send(new GetCommand({ TableName, Key: { pk: 'P#1', sk: 'A' }, ConsistentRead: true }))).Item;
    expect(item).toEqual(sample);
    expect(item).not.toHaveProperty('gone');
    expect((await doc.send(new GetCommand({ TableName, Key: { pk: 'P#1', sk: 'none' } }))).Item).toBeUndefined();
  });

  it('updates and deletes with expression values, answering the attributes asked for', async () => {
    await doc.send(new PutCommand({ TableName, Item: { pk: 'P#2', sk: 'A', count: 1 } }));
    const updated = await doc.send(
      new UpdateCommand({ TableName, Key: { pk: 'P#2', sk: 'A' }, UpdateExpression: 'ADD #c :one SET note = :note', ConditionExpression: '#c = :was', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':one': 1, ':was': 1, ':note': { at: 'now' } }, ReturnValues: 'ALL_NEW' }),
    );
    expect(updated.Attributes).toEqual({ pk: 'P#2', sk: 'A', count: 2, note: { at: 'now' } });
    const lost = doc.send(new UpdateCommand({ TableName, Key: { pk: 'P#2', sk: 'A' }, UpdateExpression: 'SET #c = :c', ConditionExpression: '#c = :was', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':c': 9, ':was': 1 } }));
    await expect(lost).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    const removed = await doc.send(new DeleteCommand({ TableName, Key: { pk: 'P#2', sk: 'A' }, ConditionExpression: '#c = :c', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':c': 2 }, ReturnValues: 'ALL_OLD' }));
    expect(removed.Attributes).toMatchObject({ count: 2 });
  });

  it('queries and scans page by page, the page key going out and coming back as plain values', async () => {
    await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: ['1', '2', '3'].map((sk) => ({ PutRequest: { Item: { pk: 'P#3', sk, n: Number(sk) } } })) } }));
    const seen: number[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'P#3' }, Limit: 2, ExclusiveStartKey: startKey }));
      seen.push(...(page.Items ?? []).map((item) => item.n as number));
      startKey = page.LastEvaluatedKey;
      if (startKey) expect(startKey).toEqual({ pk: 'P#3', sk: expect.any(String) });
    } while (startKey);
    expect(seen).toEqual([1, 2, 3]);
    const scanned = await doc.send(new ScanCommand({ TableName, FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'P#3' }, ConsistentRead: true }));
    expect(scanned.Items?.map((item) => item.n).sort()).toEqual([1, 2, 3]);
  });

  it('batch-writes puts and deletes and batch-gets the items back', async () => {
    await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: [{ PutRequest: { Item: { pk: 'P#4', sk: 'a', v: 1 } } }, { PutRequest: { Item: { pk: 'P#4', sk: 'b', v: 2 } } }] } }));
    const out = await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: [{ DeleteRequest: { Key: { pk: 'P#4', sk: 'a' } } }] } }));
    expect(out.UnprocessedItems?.[TableName] ?? []).toEqual([]);
    const got = await doc.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: [{ pk: 'P#4', sk: 'a' }, { pk: 'P#4', sk: 'b' }], ConsistentRead: true } } }));
    expect(got.Responses?.[TableName]).toEqual([{ pk: 'P#4', sk: 'b', v: 2 }]);
  });

  it('gives each of many concurrent calls of different commands its own answer', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `C#${i}`);
    await Promise.all(names.map((pk, i) => doc.send(new PutCommand({ TableName, Item: { pk, sk: 'X', i } }))));
    const answers = await Promise.all(
      names.flatMap((pk, i) => [
        doc.send(new GetCommand({ TableName, Key: { pk, sk: 'X' }, ConsistentRead: true })).then((out) => out.Item?.i),
        doc.send(new UpdateCommand({ TableName, Key: { pk, sk: 'X' }, UpdateExpression: 'SET j = :j', ExpressionAttributeValues: { ':j': i * 10 }, ReturnValues: 'UPDATED_NEW' })).then((out) => out.Attributes?.j),
      ]),
    );
    expect(answers).toEqual(names.flatMap((_, i) => [i, i * 10]));
  });

  it('refuses what it does not translate, before sending', async () => {
    await expect(doc.send(new GetCommand({ TableName, Key: { pk: 'P#1', sk: 'A' }, AttributesToGet: ['pk'] }))).resolves.toBeDefined(); // passed through as is
    const legacy = new PutCommand({ TableName, Item: { pk: 'P#5', sk: 'A' }, Expected: { pk: { Exists: false } } });
    await expect(doc.send(legacy)).rejects.toThrow(/does not translate Expected/);
    const transaction = new TransactWriteCommand({ TransactItems: [] });
    await expect((doc as unknown as { send(c: unknown): Promise<unknown> }).send(transaction)).rejects.toThrow(/cannot send TransactWriteCommand/);
    expect((await doc.send(new GetCommand({ TableName, Key: { pk: 'P#5', sk: 'A' }, ConsistentRead: true }))).Item).toBeUndefined();
  });
});
