// DeviceStore on the DynamoDB table (DEVICE#<name> / DEVICE). Every change is a single-item conditional write (no
// transactions: dynalite has none): read, apply a transition of shared/domain/device-transitions.ts, write conditional
// on the version read; a lost race re-reads and re-applies the change, which itself re-checks what matters (a session's
// write requires its operationId to still be the device's pending operation).
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { createDevice, finishBegun, finishDevice, startOperation, updateDevice } from '../domain/device-transitions.ts';
import { checkDeviceName, checkDeviceSettings, checkOperationId, checkSessionId } from '../domain/validation.ts';
import { ConflictError, NotFoundError, StoreError } from '../errors.ts';
import type { Device } from '../model.ts';
import type { DeviceEdit, DevicePage, DeviceQuery, DeviceSettings, DeviceStore, KeyClaim, KeyClaimRequest, OperationOutcome } from '../ports/index.ts';
import { deviceQueryInput } from './dynamo-device-index.ts';
import { claimKey, releaseKey } from './dynamo-key-claim.ts';
import { adminUpdate, deviceFromItem, newDeviceItem, sessionUpdate } from './dynamo-device-item.ts';
import { backoff, collectPages, DEVICE_SK, deviceKey, isConditionFailure, storeCall, storeFailure, type DynamoTable } from './dynamo-table.ts';
import { encodeCursor } from './dynamo-cursor.ts';

/** Read-modify-write rounds before a device write gives up with ConflictError (with backoff(), at most about 1.3 s of waiting). */
const MAX_WRITE_ROUNDS = 10;
/** Keys of one BatchGetItem (DynamoDB's ceiling). */
const KEYS_PER_BATCH = 100;
/** Far above one CUCM cluster's phones; a scan past it is refused instead of exhausting memory. */
export const MAX_LISTED_DEVICES = 100_000;

export class DynamoDeviceStore implements DeviceStore {
  constructor(private readonly table: DynamoTable) {}

  async get(name: string): Promise<Device | undefined> {
    checkDeviceName(name);
    const { doc, tableName } = this.table;
    const out = await storeCall(`reading device ${name}`, () => doc.send(new GetCommand({ TableName: tableName, Key: deviceKey(name), ConsistentRead: true })));
    return out.Item ? deviceFromItem(out.Item) : undefined;
  }

  /** BatchGetItem of 100 names at a time, one batch after the other; keys the table leaves unprocessed are asked again. */
  async getMany(names: readonly string[]): Promise<Map<string, Device>> {
    const unique = [...new Set(names)];
    unique.forEach(checkDeviceName);
    const { doc, tableName } = this.table;
    const devices = new Map<string, Device>();
    for (let start = 0; start < unique.length; start += KEYS_PER_BATCH) {
      let pending: Record<string, unknown>[] = unique.slice(start, start + KEYS_PER_BATCH).map(deviceKey);
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_WRITE_ROUNDS) throw new StoreError('reading devices: the table kept leaving keys unprocessed');
        const request = { RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } };
        const out = await storeCall('reading devices', () => doc.send(new BatchGetCommand(request)));
        for (const item of out.Responses?.[tableName] ?? []) {
          const device = deviceFromItem(item);
          devices.set(device.name, device);
        }
        pending = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
        if (pending.length > 0) await backoff(round);
      }
    }
    return devices;
  }

  async list(): Promise<Device[]> {
    const { doc, tableName } = this.table;
    const items = await collectPages(
      'listing devices',
      (startKey) =>
        doc.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'sk = :device',
            ExpressionAttributeValues: { ':device': DEVICE_SK },
            ConsistentRead: true,
            // No Limit: it would cap the items read before the filter, and issuance items outnumber devices.
            ExclusiveStartKey: startKey,
          }),
        ),
      MAX_LISTED_DEVICES,
    );
    return items.map(deviceFromItem).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async query(query: DeviceQuery): Promise<DevicePage> {
    const { doc, tableName } = this.table;
    const input = deviceQueryInput(tableName, query);
    const out = await storeCall('listing devices', () => doc.send(new QueryCommand(input)));
    const devices = (out.Items ?? []).map(deviceFromItem);
    const nextCursor = encodeCursor(out.LastEvaluatedKey);
    return nextCursor ? { devices, nextCursor } : { devices };
  }

  async edit(name: string, edit: DeviceEdit, options: { expectedVersion?: number } = {}): Promise<{ before: Device | undefined; after: Device }> {
    checkDeviceName(name);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = await this.get(name);
      if (options.expectedVersion !== undefined && current?.version !== options.expectedVersion) {
        throw new ConflictError(`device ${name} is at version ${current?.version ?? '(deleted)'}, not ${options.expectedVersion}: read it again and repeat the change`);
      }
      const { settings, newOperation } = edit(current);
      const checked = checkDeviceSettings(settings);
      if (checked.name !== name) throw new ConflictError(`an edit of device ${name} cannot rename it to ${checked.name}`);
      const now = this.isoNow();
      const next = current ? updateDevice(current, checked, newOperation === true, now) : createDevice(checked, now);
      if (await this.write(next, current)) return { before: current, after: next };
      await backoff(round);
    }
    throw new ConflictError(`device ${name} kept changing while it was being saved; try again`);
  }

  async remove(name: string, options: { expectedVersion?: number } = {}): Promise<Device> {
    checkDeviceName(name);
    const { doc, tableName } = this.table;
    const versioned = options.expectedVersion !== undefined;
    try {
      const out = await doc.send(
        new DeleteCommand({
          TableName: tableName,
          Key: deviceKey(name),
          ConditionExpression: versioned ? 'attribute_exists(pk) AND #version = :expected' : 'attribute_exists(pk)',
          ...(versioned ? { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': options.expectedVersion } } : {}),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return deviceFromItem(out.Attributes ?? {});
    } catch (err) {
      if (!isConditionFailure(err)) throw storeFailure(`deleting device ${name}`, err);
      const current = versioned ? await this.get(name) : undefined;
      if (!current) throw new NotFoundError(`device ${name} does not exist`);
      throw new ConflictError(`device ${name} is at version ${current.version}, not ${options.expectedVersion}: read it again before deleting`);
    }
  }

  async put(settings: DeviceSettings, options: { newOperation?: boolean } = {}): Promise<Device> {
    const checked = checkDeviceSettings(settings);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = await this.get(checked.name);
      const now = this.isoNow();
      const next = current ? updateDevice(current, checked, options.newOperation === true, now) : createDevice(checked, now);
      if (await this.write(next, current)) return next;
      await backoff(round);
    }
    throw new ConflictError(`device ${checked.name} kept changing while it was being saved; try again`);
  }

  async delete(name: string): Promise<void> {
    checkDeviceName(name);
    const { doc, tableName } = this.table;
    try {
      await doc.send(new DeleteCommand({ TableName: tableName, Key: deviceKey(name), ConditionExpression: 'attribute_exists(pk)' }));
    } catch (err) {
      if (isConditionFailure(err)) throw new NotFoundError(`device ${name} does not exist`);
      throw storeFailure(`deleting device ${name}`, err);
    }
  }

  async markInProgress(name: string, operationId: string, sessionId: number, known?: Device): Promise<Device> {
    checkOperationId(operationId);
    checkSessionId(sessionId);
    return this.change(name, operationId, (current, now) => startOperation(current, operationId, sessionId, now), known);
  }

  async finishOperation(name: string, operationId: string, outcome: OperationOutcome, known?: Device, begunBy?: number): Promise<Device> {
    checkOperationId(operationId);
    if (begunBy === undefined) return this.change(name, operationId, (current, now) => finishDevice(current, operationId, outcome, now), known);
    checkSessionId(begunBy);
    return this.change(name, operationId, (current, now) => finishBegun(current, operationId, begunBy, outcome, now), known);
  }

  /**
   * Read, apply `change` (which may refuse with ConflictError), write conditional on the version read; repeat on a
   * lost race. A caller that holds the device as it last read or wrote it (`known`) saves the first read: if that copy
   * is stale the condition fails and the next round reads afresh.
   */
  private async change(name: string, operationId: string, change: (current: Device, now: string) => Device, known?: Device): Promise<Device> {
    checkDeviceName(name);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = round === 0 && known?.name === name ? known : await this.get(name);
      if (!current) throw new NotFoundError(`device ${name} does not exist`);
      const next = change(current, this.isoNow());
      if (await this.write(next, current, operationId)) return next;
      await backoff(round);
    }
    throw new ConflictError(`device ${name} kept changing while the session tried to record its state`);
  }

  claimKey(name: string, operationId: string, claim: KeyClaimRequest): Promise<KeyClaim> {
    return claimKey(this.table, name, operationId, claim);
  }

  releaseKey(name: string, operationId: string, spkiSha256: string, requestId: string): Promise<void> {
    return releaseKey(this.table, name, operationId, spkiSha256, requestId);
  }

  /**
   * Writes `device` conditional on the version read (and, for a session's write, on the operation id it runs under);
   * false when that condition was lost. A new device is one PutItem (absent before); a change is one UpdateItem of the
   * attributes that changed since `previous`, so what other writers keep on the item without a version bump (the
   * sign service's certificate count and key claims) is never overwritten with a stale copy.
   */
  private async write(device: Device, previous: Device | undefined, operationId?: string): Promise<boolean> {
    const { doc, tableName } = this.table;
    try {
      if (previous === undefined) {
        const create: Pick<PutCommandInput, 'ConditionExpression'> = { ConditionExpression: 'attribute_not_exists(pk)' };
        await doc.send(new PutCommand({ TableName: tableName, Item: { ...deviceKey(device.name), ...newDeviceItem(device) }, ...create }));
        return true;
      }
      // The index keys follow the fields (a status change moves the device in the by-status index). A session writes
      // only what the listener's role allows (dynamo-device-item.ts: never the operation or the string themselves).
      const update = operationId !== undefined ? sessionUpdate(previous, device, operationId) : adminUpdate(previous, device);
      const names: Record<string, string> = { ...update.names, '#version': 'version' };
      const values: Record<string, unknown> = { ...update.values, ':expected': previous.version };
      let condition = '#version = :expected';
      if (operationId !== undefined) {
        condition += ' AND #operationId = :operationId';
        names['#operationId'] = 'operationId';
        values[':operationId'] = operationId;
      }
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: deviceKey(device.name),
          UpdateExpression: update.expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw storeFailure(`saving device ${device.name}`, err);
    }
  }

  private isoNow(): string {
    return this.table.now().toISOString();
  }
}
