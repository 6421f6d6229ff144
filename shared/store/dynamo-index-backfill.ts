// Index keys for items written before their index existed: a device from an earlier version has no gsi1/gsi2 keys, so
// the listings (which read only the indexes) would not show it. Run once when ensureTable has just added indexes: a
// Scan for device items without the keys, and one conditional update each (conditional on the version read: a device
// written meanwhile got its keys with that write).
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { deviceIndexKeys } from './dynamo-device-index.ts';
import { collectPages, DEVICE_SK, GSI2, isConditionFailure, storeFailure, type DynamoTable } from './dynamo-table.ts';
import { MAX_LISTED_DEVICES } from './dynamo-device-store.ts';

/** Adds the index keys every device item lacks; returns how many it updated. */
export async function backfillDeviceIndexKeys(table: DynamoTable): Promise<number> {
  const { doc, tableName } = table;
  const items = await collectPages(
    'finding devices without index keys',
    (startKey) =>
      doc.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'sk = :device AND attribute_not_exists(#gsi2pk)',
          ExpressionAttributeNames: { '#gsi2pk': GSI2.pk },
          ExpressionAttributeValues: { ':device': DEVICE_SK },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      ),
    MAX_LISTED_DEVICES,
  );
  let updated = 0;
  for (const item of items) {
    const keys = deviceIndexKeys({ name: String(item.name), status: item.status as never });
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':version': item.version };
    const sets = Object.entries(keys).map(([attribute, value], i) => {
      names[`#k${i}`] = attribute;
      values[`:k${i}`] = value;
      return `#k${i} = :k${i}`;
    });
    try {
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      updated++;
    } catch (error) {
      if (!isConditionFailure(error)) throw storeFailure(`adding index keys to ${String(item.pk)}`, error);
    }
  }
  return updated;
}
