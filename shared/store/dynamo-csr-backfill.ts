// Index keys for pending-CSR items written before CSR items carried them (dynamo-pending-csr-store.ts: gsi2 lists
// every CSR by time, gsi1 finds one by key). Such items are invisible to `capf csr list` and to the import's search by
// key. One time and idempotent: a marker item (MIGRATION / CSR-INDEX-KEYS) says it ran, so later starts pay one
// GetItem; otherwise a Scan for CSR items without the keys (done once, at the first start after an upgrade) and one
// conditional update each (only while the item exists and still lacks them: a CSR rewritten meanwhile has its keys).
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CSR_PREFIX, pendingCsrIndexKeys } from './dynamo-pending-csr-store.ts';
import { GSI2, isConditionFailure, storeCall, storeFailure, type DynamoTable } from './dynamo-table.ts';

export const CSR_BACKFILL_MARKER = { pk: 'MIGRATION', sk: 'CSR-INDEX-KEYS' } as const;
/** Items read per Scan page. */
const SCAN_PAGE = 500;

export interface CsrBackfillResult {
  /** False when the marker said it had run already (nothing was scanned). */
  ran: boolean;
  /** CSR items that got their index keys. */
  updated: number;
}

export async function backfillCsrIndexKeys(table: DynamoTable): Promise<CsrBackfillResult> {
  const { doc, tableName } = table;
  const marker = await storeCall('reading the CSR index migration marker', () => doc.send(new GetCommand({ TableName: tableName, Key: CSR_BACKFILL_MARKER, ConsistentRead: true })));
  if (marker.Item) return { ran: false, updated: 0 };
  let updated = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await storeCall('finding CSRs without index keys', () =>
      doc.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'begins_with(sk, :csr) AND attribute_not_exists(#gsi2pk)',
          ExpressionAttributeNames: { '#gsi2pk': GSI2.pk },
          ExpressionAttributeValues: { ':csr': CSR_PREFIX },
          ConsistentRead: true,
          Limit: SCAN_PAGE,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    for (const item of page.Items ?? []) if (await addKeys(table, item)) updated++;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  await storeCall('recording the CSR index migration', () => doc.send(new PutCommand({ TableName: tableName, Item: { ...CSR_BACKFILL_MARKER, at: table.now().toISOString(), updated } })));
  return { ran: true, updated };
}

async function addKeys(table: DynamoTable, item: Record<string, unknown>): Promise<boolean> {
  const { deviceName, spkiSha256, requestedAt } = item;
  // An item too broken to index is left as it is (it was never listable): the listing's checks would refuse it.
  if (typeof deviceName !== 'string' || typeof spkiSha256 !== 'string' || typeof requestedAt !== 'string') return false;
  const keys = pendingCsrIndexKeys({ deviceName, spkiSha256, requestedAt });
  const names: Record<string, string> = { '#gsi2pk': GSI2.pk };
  const values: Record<string, unknown> = {};
  const sets = Object.entries(keys).map(([attribute, value], i) => {
    names[`#k${i}`] = attribute;
    values[`:k${i}`] = value;
    return `#k${i} = :k${i}`;
  });
  try {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#gsi2pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false; // deleted or rewritten (with its keys) meanwhile
    throw storeFailure(`adding index keys to ${String(item.pk)} ${String(item.sk).slice(0, 24)}...`, error);
  }
}
