// The tests' moto_server applies a conditional write atomically, as DynamoDB does (scripts/moto-serialized.py): many
// clients racing to create one item, or to move one version forward, have exactly one winner each time. The store's
// optimistic locking is tested on moto, so a stand-in that let two writers win would make those tests lie or flake.
import { ConditionalCheckFailedException, CreateTableCommand, PutItemCommand, UpdateItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Agent } from 'node:http';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { beforeAll, describe, expect, it } from 'vitest';
import { motoClientConfig, uniqueName } from '../issuers/moto-aws.ts';

const RACERS = 24;
const ROUNDS = 20;
const tableName = uniqueName('atomic');
// One connection per racer, so the requests really reach moto at the same time.
const client = new DynamoDBClient({ ...motoClientConfig(), requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: RACERS }) }) });

beforeAll(async () => {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
});

const wins = (results: PromiseSettledResult<unknown>[]) => {
  for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConditionalCheckFailedException);
  return results.filter((result) => result.status === 'fulfilled').length;
};

describe('moto_server as the tests run it', () => {
  it('lets exactly one of many racing creates of one item succeed', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const pk = `create-${round}`;
      const results = await Promise.allSettled(
        Array.from({ length: RACERS }, (_, racer) =>
          client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, racer: { N: String(racer) } }, ConditionExpression: 'attribute_not_exists(pk)' })),
        ),
      );
      expect(wins(results)).toBe(1);
    }
  });

  it('lets exactly one of many racing version-conditional updates of one item succeed', async () => {
    const pk = 'versioned';
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, version: { N: '0' } } }));
    for (let version = 0; version < ROUNDS; version++) {
      const results = await Promise.allSettled(
        Array.from({ length: RACERS }, () =>
          client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: { pk: { S: pk } },
              UpdateExpression: 'SET #v = :next',
              ConditionExpression: '#v = :expected',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':expected': { N: String(version) }, ':next': { N: String(version + 1) } },
            }),
          ),
        ),
      );
      expect(wins(results)).toBe(1);
    }
  });
});
