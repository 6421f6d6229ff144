// ParameterStore on the DynamoDB table: one item (PARAMS / PARAMS); the defaults of shared/domain/parameters.ts fill in
// whatever was never set.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { checkParameterUpdate, withDefaultParameters } from '../domain/parameters.ts';
import type { ParameterStore, ServiceParameters } from '../ports/index.ts';
import { PARAMS_KEY, storeCall, type DynamoTable } from './dynamo-table.ts';

export class DynamoParameterStore implements ParameterStore {
  constructor(private readonly table: DynamoTable) {}

  async get(): Promise<ServiceParameters> {
    const { doc, tableName } = this.table;
    const out = await storeCall('reading service parameters', () => doc.send(new GetCommand({ TableName: tableName, Key: PARAMS_KEY, ConsistentRead: true })));
    return withDefaultParameters(out.Item);
  }

  async update(changes: Partial<ServiceParameters>): Promise<ServiceParameters> {
    const { doc, tableName } = this.table;
    const update: Record<string, unknown> = { ...checkParameterUpdate(changes), updatedAt: this.table.now().toISOString() };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(update).map(([key, value], i) => {
      names[`#p${i}`] = key;
      values[`:p${i}`] = value;
      return `#p${i} = :p${i}`;
    });
    const out = await storeCall('saving service parameters', () =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: PARAMS_KEY,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return withDefaultParameters(out.Attributes);
  }
}
