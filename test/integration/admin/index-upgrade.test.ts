// A table from before the device indexes (a data folder of an earlier version): ensureTable adds the indexes (in place
// on moto, by rebuilding on dynalite) and gives the devices already there their index keys, so listings show them.
import { randomBytes } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../../shared/store/dynamo-document.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminService } from '../../../shared/admin/admin-service.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { BACKENDS } from '../store/store-backends.ts';

describe.each(BACKENDS)('device indexes added to an older table on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  beforeAll(async () => {
    connection = await backend.connect();
  });
  afterAll(async () => {
    await connection.close();
  });

  it('lists the devices written before the indexes existed', async () => {
    const tableName = `old-layout-${randomBytes(5).toString('hex')}`;
    await connection.client.send(
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
    const at = '2026-01-01T00:00:00.000Z';
    const old = { name: 'SEP001122334455', operation: 'install', operationId: 'op-1', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256', status: 'pending', statusAt: at, createdAt: at, updatedAt: at, version: 3 };
    await documentClient(connection.client).send(new PutCommand({ TableName: tableName, Item: { pk: 'DEVICE#SEP001122334455', sk: 'DEVICE', ...old } }));

    await ensureTable(connection.client, tableName);
    const service = new AdminService({ stores: createDynamoStores({ client: connection.client, tableName }) });
    expect((await service.listDevices({ limit: 10 })).devices.map((d) => [d.name, d.version])).toEqual([['SEP001122334455', 3]]);
    expect((await service.listDevices({ limit: 10, status: 'pending' })).devices.map((d) => d.name)).toEqual(['SEP001122334455']);
    await ensureTable(connection.client, tableName); // nothing left to add: a no-op
    expect((await service.getDevice('SEP001122334455')).version).toBe(3);
  });
});
