// The document client the store adapters send through: they build lib-dynamodb's commands (GetCommand, PutCommand,
// ...) with plain JavaScript values, and this sends each as the low-level client's command, its items marshalled with
// util-dynamodb. lib-dynamodb's own client builds and sorts a whole middleware stack for every call (its commands
// wrap the low-level one and add marshalling middleware per instance), and refuses the SDK's `cacheMiddleware`; the
// low-level commands sent here reuse the stack the client resolved once when it was built with `cacheMiddleware`
// (every client that carries the stores is). Marshalling is lib-dynamodb's: undefined attributes dropped, numbers
// as numbers.
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand as QueryItemsCommand,
  ScanCommand as ScanItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type BatchWriteCommandOutput,
  type DeleteCommandOutput,
  type GetCommandOutput,
  type PutCommandOutput,
  type QueryCommandOutput,
  type ScanCommandOutput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

type Item = Record<string, unknown>;
type Marshalled = Record<string, AttributeValue>;
type DocumentCommand = GetCommand | PutCommand | UpdateCommand | DeleteCommand | QueryCommand | ScanCommand | BatchGetCommand | BatchWriteCommand;
type Fields = Record<string, unknown>;

/** The parameters from before expressions, whose values lib-dynamodb marshals in other places: not translated here. */
const LEGACY_PARAMETERS = ['Expected', 'AttributeUpdates', 'KeyConditions', 'QueryFilter', 'ScanFilter'] as const;

function toItem(value: unknown): Marshalled | undefined {
  return value === undefined ? undefined : marshall(value as Item, { removeUndefinedValues: true });
}

function fromItem(value: unknown): Item | undefined {
  return value === undefined ? undefined : (unmarshall(value as Marshalled) as Item);
}

/** A copy of `fields` with the named fields passed through `convert` (those absent stay absent). */
function converted(fields: Fields, names: readonly string[], convert: (value: unknown) => unknown): Fields {
  const out = { ...fields };
  for (const name of names) if (out[name] !== undefined) out[name] = convert(out[name]);
  return out;
}

function perTable<T>(tables: unknown, convert: (value: T) => unknown): Record<string, unknown> | undefined {
  if (tables === undefined) return undefined;
  return Object.fromEntries(Object.entries(tables as Record<string, T>).map(([table, value]) => [table, convert(value)]));
}

function writeRequests(requests: readonly Fields[], convert: (value: unknown) => unknown): Fields[] {
  return requests.map((request) => {
    const put = request.PutRequest as Fields | undefined;
    const remove = request.DeleteRequest as Fields | undefined;
    return {
      ...request,
      ...(put ? { PutRequest: converted(put, ['Item'], convert) } : {}),
      ...(remove ? { DeleteRequest: converted(remove, ['Key'], convert) } : {}),
    };
  });
}

const keysOf = (convert: (value: unknown) => unknown) => (keys: Fields) => ({ ...keys, Keys: (keys.Keys as unknown[] | undefined)?.map(convert) });

/** How each document command becomes a low-level one, and its output a document output. */
interface Translation {
  send(client: DynamoDBClient, input: Fields): Promise<object>;
  output(output: Fields): Fields;
}

const ITEM_OUTPUT = (output: Fields) => converted(output, ['Attributes'], fromItem);
const LIST_OUTPUT = (output: Fields) => ({ ...converted(output, ['LastEvaluatedKey'], fromItem), ...(output.Items ? { Items: (output.Items as unknown[]).map(fromItem) } : {}) });
const LIST_INPUT = ['ExpressionAttributeValues', 'ExclusiveStartKey'];

const TRANSLATIONS = new Map<unknown, Translation>([
  [GetCommand, { send: (c, i) => c.send(new GetItemCommand(converted(i, ['Key'], toItem) as never)), output: (o) => converted(o, ['Item'], fromItem) }],
  [PutCommand, { send: (c, i) => c.send(new PutItemCommand(converted(i, ['Item', 'ExpressionAttributeValues'], toItem) as never)), output: ITEM_OUTPUT }],
  [UpdateCommand, { send: (c, i) => c.send(new UpdateItemCommand(converted(i, ['Key', 'ExpressionAttributeValues'], toItem) as never)), output: ITEM_OUTPUT }],
  [DeleteCommand, { send: (c, i) => c.send(new DeleteItemCommand(converted(i, ['Key', 'ExpressionAttributeValues'], toItem) as never)), output: ITEM_OUTPUT }],
  [QueryCommand, { send: (c, i) => c.send(new QueryItemsCommand(converted(i, LIST_INPUT, toItem) as never)), output: LIST_OUTPUT }],
  [ScanCommand, { send: (c, i) => c.send(new ScanItemsCommand(converted(i, LIST_INPUT, toItem) as never)), output: LIST_OUTPUT }],
  [
    BatchGetCommand,
    {
      send: (c, i) => c.send(new BatchGetItemCommand({ ...i, RequestItems: perTable<Fields>(i.RequestItems, keysOf(toItem)) as Record<string, KeysAndAttributes> })),
      output: (o) => ({
        ...o,
        Responses: perTable<unknown[]>(o.Responses, (items) => items.map(fromItem)),
        UnprocessedKeys: perTable<Fields>(o.UnprocessedKeys, keysOf(fromItem)),
      }),
    },
  ],
  [
    BatchWriteCommand,
    {
      send: (c, i) => c.send(new BatchWriteItemCommand({ ...i, RequestItems: perTable<Fields[]>(i.RequestItems, (requests) => writeRequests(requests, toItem)) as Record<string, WriteRequest[]> })),
      output: (o) => ({ ...o, UnprocessedItems: perTable<Fields[]>(o.UnprocessedItems, (requests) => writeRequests(requests, fromItem)) }),
    },
  ],
]);

/** What the store adapters send through (DynamoTable.doc). */
export interface DocumentClient {
  send(command: GetCommand): Promise<GetCommandOutput>;
  send(command: PutCommand): Promise<PutCommandOutput>;
  send(command: UpdateCommand): Promise<UpdateCommandOutput>;
  send(command: DeleteCommand): Promise<DeleteCommandOutput>;
  send(command: QueryCommand): Promise<QueryCommandOutput>;
  send(command: ScanCommand): Promise<ScanCommandOutput>;
  send(command: BatchGetCommand): Promise<BatchGetCommandOutput>;
  send(command: BatchWriteCommand): Promise<BatchWriteCommandOutput>;
}

/** The document client over a low-level DynamoDB client (build that one with `cacheMiddleware: true`). */
export function documentClient(client: DynamoDBClient): DocumentClient {
  const send = async (command: DocumentCommand): Promise<Fields> => {
    const translation = TRANSLATIONS.get(command.constructor);
    if (!translation) throw new TypeError(`the store's document client cannot send ${command.constructor.name}`);
    const input = command.input as Fields;
    for (const name of LEGACY_PARAMETERS) {
      if (input[name] !== undefined) throw new TypeError(`the store's document client does not translate ${name}: write it as an expression`);
    }
    return translation.output((await translation.send(client, input)) as Fields);
  };
  return { send } as DocumentClient;
}
