// TrustStore on the DynamoDB table: one item per certificate and store, `TRUST#<store>` / `CERT#<sha256>`, so a
// store's list is one Query (never a scan). Adds and removes are conditional writes; an upload of several
// certificates is several writes (dynalite has no transactions), each of which may be repeated safely.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors.ts';
import { TRUST_STORE_NAMES, type TrustAddResult, type TrustEntry, type TrustStore, type TrustStoreName } from '../ports/index.ts';
import { collectPages, storeCall, type DynamoTable } from './dynamo-table.ts';

/** CAPF-trust is handed to every certificate authentication: tens of entries, a few hundred at the very most. */
export const MAX_TRUST_ENTRIES = 200;

export function trustPk(store: TrustStoreName): string {
  return `TRUST#${store}`;
}

function trustKey(store: TrustStoreName, id: string): { pk: string; sk: string } {
  return { pk: trustPk(store), sk: `CERT#${id}` };
}

function toEntry(item: Record<string, unknown>): TrustEntry {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as TrustEntry;
}

export class DynamoTrustStore implements TrustStore {
  constructor(private readonly table: DynamoTable) {}

  async list(store?: TrustStoreName): Promise<TrustEntry[]> {
    const stores = store ? [store] : TRUST_STORE_NAMES;
    const lists = await Promise.all(stores.map((name) => this.listOne(name)));
    return lists.flat();
  }

  private async listOne(store: TrustStoreName): Promise<TrustEntry[]> {
    const { doc, tableName } = this.table;
    const items = await collectPages(
      `listing ${store}-trust`,
      (start) =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': trustPk(store) },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      MAX_TRUST_ENTRIES * 2,
    );
    return items.map(toEntry).sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.id.localeCompare(b.id));
  }

  async get(store: TrustStoreName, id: string): Promise<TrustEntry | undefined> {
    const { doc, tableName } = this.table;
    const out = await storeCall(`reading ${store}-trust entry`, () => doc.send(new GetCommand({ TableName: tableName, Key: trustKey(store, id), ConsistentRead: true })));
    return out.Item ? toEntry(out.Item) : undefined;
  }

  async add(entries: TrustEntry[]): Promise<TrustAddResult> {
    const { doc, tableName } = this.table;
    const result: TrustAddResult = { added: [], existing: [] };
    for (const entry of entries) {
      try {
        await storeCall(`adding ${entry.store}-trust entry`, () =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...trustKey(entry.store, entry.id), ...entry },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        );
        result.added.push(entry);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        const found = await this.get(entry.store, entry.id);
        result.existing.push(found ?? entry);
      }
    }
    return result;
  }

  async remove(store: TrustStoreName, id: string): Promise<TrustEntry | undefined> {
    const { doc, tableName } = this.table;
    try {
      const out = await storeCall(`removing ${store}-trust entry`, () =>
        doc.send(new DeleteCommand({ TableName: tableName, Key: trustKey(store, id), ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' })),
      );
      return out.Attributes ? toEntry(out.Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
  }
}
