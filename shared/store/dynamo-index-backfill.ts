// Index keys for items written before they carried them: a device from an earlier version has no gsi1/gsi2 keys, so
// the listings (which read only the indexes) would not show it; the same for pending CSRs (dynamo-csr-backfill.ts).
// Run once: a Scan for items of one kind without the gsi2 key, then one conditional update each (an item written
// meanwhile got its keys with that write, so the condition refuses to touch it).
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { deviceIndexKeys } from './dynamo-device-index.ts';
import { collectPages, DEVICE_SK, GSI2, isConditionFailure, storeFailure, type DynamoTable } from './dynamo-table.ts';
import { MAX_LISTED_DEVICES } from './dynamo-device-store.ts';

type Item = Record<string, unknown>;

export interface IndexKeysBackfill {
  /** What the items are, for errors ("devices", "CSRs"). */
  what: string;
  /** A filter on the item's sort key (`sk = :kind` or `begins_with(sk, :kind)`) and the value of `:kind`. */
  kindFilter: string;
  kind: string;
  /** The most items it loads at once: more is refused (StoreError TOO_MANY) rather than held in memory. */
  maxItems: number;
  /** The keys to add, or undefined for an item too broken to index (left as it is). */
  keysFor: (item: Item) => Record<string, string> | undefined;
  /** The update's condition, and the values it names, from the item as scanned. */
  condition: string;
  conditionValues?: (item: Item) => Item;
}

/** Adds the index keys the items of one kind lack; returns how many it updated. */
export async function addMissingIndexKeys(table: DynamoTable, backfill: IndexKeysBackfill): Promise<number> {
  const { doc, tableName } = table;
  const items = await collectPages(
    `finding ${backfill.what} without index keys`,
    (startKey) =>
      doc.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: `${backfill.kindFilter} AND attribute_not_exists(#gsi2pk)`,
          ExpressionAttributeNames: { '#gsi2pk': GSI2.pk },
          ExpressionAttributeValues: { ':kind': backfill.kind },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      ),
    backfill.maxItems,
  );
  let updated = 0;
  for (const item of items) {
    const keys = backfill.keysFor(item);
    if (keys && (await setKeys(table, backfill, item, keys))) updated++;
  }
  return updated;
}

async function setKeys(table: DynamoTable, backfill: IndexKeysBackfill, item: Item, keys: Record<string, string>): Promise<boolean> {
  const names: Record<string, string> = { '#gsi2pk': GSI2.pk, '#version': 'version' };
  const values: Item = { ...backfill.conditionValues?.(item) };
  const sets = Object.entries(keys).map(([attribute, value], i) => {
    names[`#k${i}`] = attribute;
    values[`:k${i}`] = value;
    return `#k${i} = :k${i}`;
  });
  // DynamoDB refuses names an expression does not use: keep only those the condition or the SET names.
  const used = `${backfill.condition} ${sets.join(' ')}`;
  for (const name of Object.keys(names)) if (!used.includes(name)) delete names[name];
  try {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: backfill.condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false; // deleted or rewritten (with its keys) meanwhile
    throw storeFailure(`adding index keys to ${String(item.pk)} ${String(item.sk).slice(0, 24)}`, error);
  }
}

/** Adds the index keys every device item lacks; returns how many it updated. */
export function backfillDeviceIndexKeys(table: DynamoTable): Promise<number> {
  return addMissingIndexKeys(table, {
    what: 'devices',
    kindFilter: 'sk = :kind',
    kind: DEVICE_SK,
    maxItems: MAX_LISTED_DEVICES,
    keysFor: (item) => deviceIndexKeys({ name: String(item.name), status: item.status as never }),
    condition: '#version = :version',
    conditionValues: (item) => ({ ':version': item.version }),
  });
}
