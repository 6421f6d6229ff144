// Items written straight into the bench's table before anything is timed: 25 per BatchWriteItem, 8 batches in flight,
// unprocessed items sent again.
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from '../../shared/store/dynamo-document.ts';

const BATCH = 25;
const PARALLEL_BATCHES = 8;

/** Writes item(0) .. item(count - 1); `onRound` gets the number written before each round of batches. */
export async function putItems(doc: DocumentClient, tableName: string, count: number, item: (i: number) => Record<string, unknown>, onRound?: (written: number) => void): Promise<void> {
  for (let first = 0; first < count; first += BATCH * PARALLEL_BATCHES) {
    onRound?.(first);
    const batches: Promise<void>[] = [];
    for (let b = first; b < Math.min(first + BATCH * PARALLEL_BATCHES, count); b += BATCH) {
      let pending: Record<string, unknown>[] = [];
      for (let i = b; i < Math.min(b + BATCH, count); i++) pending.push({ PutRequest: { Item: item(i) } });
      batches.push(
        (async () => {
          while (pending.length > 0) {
            const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
            pending = (out.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
          }
        })(),
      );
    }
    await Promise.all(batches);
  }
}
