// The devices' index keys (dynamo-table.ts: gsi1 by status, gsi2 by name) and the Query of one page over them: listing
// devices never scans the table.
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../errors.ts';
import type { Device } from '../model.ts';
import type { DeviceQuery } from '../ports/index.ts';
import { decodeCursor } from './dynamo-cursor.ts';
import { GSI1, GSI2 } from './dynamo-table.ts';

/** The id of the operation a session ended (dynamo-device-item.ts): the device's operation reads as none then. */
export const OPERATION_ENDED = 'operationEnded';

const DEVICES_PARTITION = 'DEVICE';
const MAX_QUERY_LIMIT = 1000;
const NAME_PREFIX = /^[A-Za-z0-9_.-]{0,64}$/;

export function deviceStatusPartition(status: Device['status']): string {
  return `DEVSTATUS#${status}`;
}

/** What a device item carries besides its key and fields, so both indexes find it; written with every device write. */
export function deviceIndexKeys(device: Pick<Device, 'name' | 'status'>): Record<string, string> {
  return {
    [GSI1.pk]: deviceStatusPartition(device.status),
    [GSI1.sk]: device.name,
    [GSI2.pk]: DEVICES_PARTITION,
    [GSI2.sk]: device.name,
  };
}

/** One Query on the index that fits: by status (gsi1) when a status is asked for, else by name (gsi2); the operation and
 * the authentication mode are filters (a page may hold fewer than `limit` devices; its cursor goes on after the last item read). */
export function deviceQueryInput(tableName: string, query: DeviceQuery): QueryCommandInput {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_QUERY_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_QUERY_LIMIT}`, 'INVALID_LIMIT');
  }
  const prefix = query.namePrefix ?? '';
  if (!NAME_PREFIX.test(prefix)) throw new ValidationError('name prefix may hold letters, digits, _ . - only (at most 64)', 'INVALID_NAME_PREFIX');
  const index = query.status !== undefined ? GSI1 : GSI2;
  const partition = query.status !== undefined ? deviceStatusPartition(query.status) : DEVICES_PARTITION;
  const start = decodeCursor(query.cursor, ['pk', 'sk', index.pk, index.sk]);
  if (start && (start[index.pk] !== partition || !start[index.sk]!.startsWith(prefix))) {
    throw new ValidationError('cursor belongs to another query; start again without it', 'INVALID_CURSOR');
  }
  const names: Record<string, string> = { '#pk': index.pk };
  const values: Record<string, unknown> = { ':pk': partition };
  let condition = '#pk = :pk';
  if (prefix) {
    names['#sk'] = index.sk;
    values[':prefix'] = prefix;
    condition += ' AND begins_with(#sk, :prefix)';
  }
  const input: QueryCommandInput = {
    TableName: tableName,
    IndexName: index.name,
    KeyConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    Limit: query.limit,
    ...(start ? { ExclusiveStartKey: start } : {}),
  };
  const filters: string[] = [];
  if (query.operation !== undefined) {
    // An operation a session ended reads as none (dynamo-device-item.ts): its marker holds the device's operation id.
    Object.assign(names, { '#operation': 'operation', '#ended': OPERATION_ENDED, '#operationId': 'operationId' });
    values[':operation'] = query.operation;
    filters.push(query.operation === 'none' ? '(#operation = :operation OR #ended = #operationId)' : '(#operation = :operation AND (attribute_not_exists(#ended) OR #ended <> #operationId))');
  }
  if (query.authMode !== undefined) {
    names['#authMode'] = 'authMode';
    values[':authMode'] = query.authMode;
    filters.push('#authMode = :authMode');
  }
  if (filters.length > 0) input.FilterExpression = filters.join(' AND ');
  return input;
}
