// TemplateStore on the DynamoDB table: every template in one partition, so a Query lists them without a scan.
//   TEMPLATE / <name>        a device template (F10)
//   TEMPLATE / #DEFAULT      { defaultName }: the template devices created without one get ('#' sorts before names)
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { DeviceTemplate, TemplateStore } from '../ports/index.ts';
import { collectPages, isConditionFailure, storeCall, storeFailure, type DynamoTable } from './dynamo-table.ts';

const PARTITION = 'TEMPLATE';
const DEFAULT_SK = '#DEFAULT';
/** Far more templates than a deployment uses; past it a listing is refused. */
const MAX_TEMPLATES = 1000;
const FIELDS = ['name', 'description', 'operation', 'authMode', 'keyOrder', 'rsaKeySize', 'curve', 'deadlineDays', 'createdAt'] as const;

function templateFromItem(item: Record<string, unknown>): DeviceTemplate {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) if (item[field] !== undefined) out[field] = item[field];
  return out as unknown as DeviceTemplate;
}

export class DynamoTemplateStore implements TemplateStore {
  constructor(private readonly table: DynamoTable) {}

  async get(name: string): Promise<DeviceTemplate | undefined> {
    const { doc, tableName } = this.table;
    const out = await storeCall(`reading template ${name}`, () => doc.send(new GetCommand({ TableName: tableName, Key: { pk: PARTITION, sk: name }, ConsistentRead: true })));
    return out.Item ? templateFromItem(out.Item) : undefined;
  }

  async list(): Promise<DeviceTemplate[]> {
    const { doc, tableName } = this.table;
    const items = await collectPages(
      'listing templates',
      (startKey) =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': PARTITION },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      MAX_TEMPLATES,
    );
    return items.filter((item) => item.sk !== DEFAULT_SK).map(templateFromItem);
  }

  async create(template: DeviceTemplate): Promise<DeviceTemplate> {
    const { doc, tableName } = this.table;
    try {
      await doc.send(new PutCommand({ TableName: tableName, Item: { pk: PARTITION, sk: template.name, ...template }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return template;
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`template ${template.name} already exists: delete it first or pick another name`, 'TEMPLATE_EXISTS');
      throw storeFailure(`saving template ${template.name}`, err);
    }
  }

  async delete(name: string): Promise<DeviceTemplate> {
    const { doc, tableName } = this.table;
    let deleted: DeviceTemplate;
    try {
      const out = await doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: PARTITION, sk: name }, ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }));
      deleted = templateFromItem(out.Attributes ?? {});
    } catch (err) {
      if (isConditionFailure(err)) throw new NotFoundError(`template ${name} does not exist`, 'TEMPLATE_NOT_FOUND');
      throw storeFailure(`deleting template ${name}`, err);
    }
    // The default pointer goes with its template (conditional: a default set meanwhile to another template stays).
    try {
      await doc.send(
        new DeleteCommand({ TableName: tableName, Key: { pk: PARTITION, sk: DEFAULT_SK }, ConditionExpression: 'defaultName = :name', ExpressionAttributeValues: { ':name': name } }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw storeFailure('clearing the default template', err);
    }
    return deleted;
  }

  async getDefault(): Promise<string | undefined> {
    const { doc, tableName } = this.table;
    const out = await storeCall('reading the default template', () => doc.send(new GetCommand({ TableName: tableName, Key: { pk: PARTITION, sk: DEFAULT_SK }, ConsistentRead: true })));
    return typeof out.Item?.defaultName === 'string' ? out.Item.defaultName : undefined;
  }

  async setDefault(name: string | undefined): Promise<void> {
    const { doc, tableName } = this.table;
    if (name === undefined) {
      await storeCall('clearing the default template', () => doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: PARTITION, sk: DEFAULT_SK } })));
      return;
    }
    if (!(await this.get(name))) throw new NotFoundError(`template ${name} does not exist`, 'TEMPLATE_NOT_FOUND');
    await storeCall('setting the default template', () =>
      doc.send(new PutCommand({ TableName: tableName, Item: { pk: PARTITION, sk: DEFAULT_SK, defaultName: name, updatedAt: this.table.now().toISOString() } })),
    );
  }
}
