// Index keys for pending-CSR items written before CSR items carried them (dynamo-pending-csr-store.ts: gsi2 lists
// every CSR by time, gsi1 finds one by key). Such items are invisible to `capf csr list` and to the import's search by
// key. One time and idempotent: a marker item (MIGRATION / CSR-INDEX-KEYS) says it ran, so later starts pay one
// GetItem; otherwise a Scan for CSR items without the keys (done once, at the first start after an upgrade) and one
// conditional update each (only while the item exists and still lacks them: a CSR rewritten meanwhile has its keys),
// through addMissingIndexKeys.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { addMissingIndexKeys } from './dynamo-index-backfill.ts';
import { CSR_PREFIX, pendingCsrIndexKeys } from './dynamo-pending-csr-store.ts';
import { storeCall, type DynamoTable } from './dynamo-table.ts';

export const CSR_BACKFILL_MARKER = { pk: 'MIGRATION', sk: 'CSR-INDEX-KEYS' } as const;
/** CSRs without keys it loads at once (items from pre-release code only: a handful). */
const MAX_BACKFILLED_CSRS = 100_000;

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
  const updated = await addMissingIndexKeys(table, {
    what: 'CSRs',
    kindFilter: 'begins_with(sk, :kind)',
    kind: CSR_PREFIX,
    maxItems: MAX_BACKFILLED_CSRS,
    keysFor: csrIndexKeys,
    condition: 'attribute_exists(pk) AND attribute_not_exists(#gsi2pk)',
  });
  await storeCall('recording the CSR index migration', () => doc.send(new PutCommand({ TableName: tableName, Item: { ...CSR_BACKFILL_MARKER, at: table.now().toISOString(), updated } })));
  return { ran: true, updated };
}

function csrIndexKeys(item: Record<string, unknown>): Record<string, string> | undefined {
  const { deviceName, spkiSha256, requestedAt } = item;
  // An item too broken to index is left as it is (it was never listable): the listing's checks would refuse it.
  if (typeof deviceName !== 'string' || typeof spkiSha256 !== 'string' || typeof requestedAt !== 'string') return undefined;
  return pendingCsrIndexKeys({ deviceName, spkiSha256, requestedAt });
}
