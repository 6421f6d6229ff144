// Devices for the bulk job tests, written straight to the table 25 per BatchWriteItem (8 batches in flight): each a
// new device at version 1 with nothing armed, named SEP + prefix + a zero-padded number.
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDevice } from '../../shared/domain/device-transitions.ts';
import { deviceIndexKeys } from '../../shared/store/dynamo-device-index.ts';
import { deviceKey, openDynamoTable } from '../../shared/store/dynamo-table.ts';

export const bulkDeviceName = (i: number, prefix: string) => `SEP${prefix}${String(i).padStart(12 - prefix.length, '0')}`;

export async function seedBulkDevices(client: DynamoDBClient, tableName: string, count: number, prefix: string): Promise<string[]> {
  const table = openDynamoTable(client, tableName);
  const names = Array.from({ length: count }, (_, i) => bulkDeviceName(i, prefix));
  const now = new Date().toISOString();
  const items = names.map((name) => {
    const device = createDevice({ name, operation: 'none', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' }, now);
    return { PutRequest: { Item: { ...deviceKey(name), ...deviceIndexKeys(device), ...device } } };
  });
  const batches: (typeof items)[] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(batches.slice(i, i + 8).map((batch) => table.doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }))));
  }
  return names;
}
