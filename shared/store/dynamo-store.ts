// CapfStore on one DynamoDB table; runs unchanged on AWS, dynalite and moto_server. Layout (see dynamo-table.ts):
//   DEVICE#<name> / DEVICE                              the device and its operation state
//   DEVICE#<name> / ISSUE#<operationId>#<spkiSha256>    issuance records (dynamo-issuance.ts)
//   PARAMS / PARAMS                                     service parameters (defaults merged on read)
// Every change is a single-item conditional write (no transactions: dynalite has none). Device writes are
// read-modify-write conditional on the version read; a lost race re-reads and re-applies the change, which itself
// re-checks what matters (a session's write requires its operationId to still be the device's pending operation).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Device } from '../model.ts';
import { createDevice, deviceFromItem, finishDevice, startOperation, updateDevice } from './device-transitions.ts';
import { DynamoIssuances, type ClaimResult } from './dynamo-issuance.ts';
import { backoff, collectPages, DEVICE_SK, deviceKey, isConditionFailure, PARAMS_KEY, storeCall, storeFailure } from './dynamo-table.ts';
import { checkDeviceName, checkDeviceSettings, checkOperationId, checkParameterUpdate, checkSessionId } from './store-validation.ts';
import {
  DEFAULT_PARAMETERS,
  type CapfStore,
  type DeviceSettings,
  type IssuanceRecord,
  type OperationOutcome,
  type ServiceParameters,
} from './types.ts';

export { ensureTable } from './dynamo-table.ts';

export interface DynamoCapfStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  now?: () => Date;
}

/** Read-modify-write rounds before a device write gives up with ConflictError. */
const MAX_WRITE_ROUNDS = 5;
/** Far above one CUCM cluster's phones; a scan past it is refused instead of exhausting memory. */
export const MAX_LISTED_DEVICES = 100_000;

export class DynamoCapfStore implements CapfStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => Date;
  private readonly issuances: DynamoIssuances;

  constructor(options: DynamoCapfStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.issuances = new DynamoIssuances(this.doc, this.tableName, this.now);
  }

  async getDevice(name: string): Promise<Device | undefined> {
    checkDeviceName(name);
    const out = await storeCall(`reading device ${name}`, () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: deviceKey(name), ConsistentRead: true })),
    );
    return out.Item ? deviceFromItem(out.Item) : undefined;
  }

  async listDevices(): Promise<Device[]> {
    const items = await collectPages(
      'listing devices',
      (startKey) =>
        this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
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

  async putDevice(settings: DeviceSettings, options: { newOperation?: boolean } = {}): Promise<Device> {
    const checked = checkDeviceSettings(settings);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = await this.getDevice(checked.name);
      const now = this.isoNow();
      const next = current ? updateDevice(current, checked, options.newOperation === true, now) : createDevice(checked, now);
      if (await this.writeDevice(next, current?.version)) return next;
      await backoff(round);
    }
    throw new ConflictError(`device ${checked.name} kept changing while it was being saved; try again`);
  }

  async deleteDevice(name: string): Promise<void> {
    checkDeviceName(name);
    try {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: deviceKey(name), ConditionExpression: 'attribute_exists(pk)' }));
    } catch (err) {
      if (isConditionFailure(err)) throw new NotFoundError(`device ${name} does not exist`);
      throw storeFailure(`deleting device ${name}`, err);
    }
  }

  async markInProgress(name: string, operationId: string, sessionId: number, known?: Device): Promise<Device> {
    checkOperationId(operationId);
    checkSessionId(sessionId);
    return this.changeDevice(name, operationId, (current, now) => startOperation(current, operationId, sessionId, now), known);
  }

  async finishOperation(name: string, operationId: string, outcome: OperationOutcome, known?: Device): Promise<Device> {
    checkOperationId(operationId);
    return this.changeDevice(name, operationId, (current, now) => finishDevice(current, operationId, outcome, now), known);
  }

  getIssuance(deviceName: string, operationId: string, spkiSha256: string): Promise<IssuanceRecord | undefined> {
    return this.issuances.get({ deviceName, operationId, spkiSha256 });
  }

  putIssuanceOnce(record: IssuanceRecord): Promise<{ record: IssuanceRecord; created: boolean }> {
    return this.issuances.putOnce(record);
  }

  claimIssuance(
    key: { deviceName: string; operationId: string; spkiSha256: string },
    claim: { requestId: string; issuer: string; leaseMs: number },
  ): Promise<ClaimResult> {
    return this.issuances.claim(key, claim);
  }

  completeIssuance(record: IssuanceRecord): Promise<IssuanceRecord> {
    return this.issuances.complete(record);
  }

  abandonIssuance(key: { deviceName: string; operationId: string; spkiSha256: string }, requestId: string): Promise<void> {
    return this.issuances.abandonClaim(key, requestId);
  }

  setIssuanceState(deviceName: string, operationId: string, spkiSha256: string, state: IssuanceRecord['state']): Promise<void> {
    return this.issuances.setState({ deviceName, operationId, spkiSha256 }, state);
  }

  listIssuances(deviceName: string): Promise<IssuanceRecord[]> {
    return this.issuances.list(deviceName);
  }

  async getParameters(): Promise<ServiceParameters> {
    const out = await storeCall('reading service parameters', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: PARAMS_KEY, ConsistentRead: true })),
    );
    return mergeParameters(out.Item);
  }

  async putParameters(params: Partial<ServiceParameters>): Promise<ServiceParameters> {
    const update: Record<string, unknown> = { ...checkParameterUpdate(params), updatedAt: this.isoNow() };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(update).map(([key, value], i) => {
      names[`#p${i}`] = key;
      values[`:p${i}`] = value;
      return `#p${i} = :p${i}`;
    });
    const out = await storeCall('saving service parameters', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: PARAMS_KEY,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return mergeParameters(out.Attributes);
  }

  /**
   * Read, apply `change` (which may refuse with ConflictError), write conditional on the version read; repeat on a
   * lost race. A caller that holds the device as it last read or wrote it (`known`) saves the first read: if that copy
   * is stale the condition fails and the next round reads afresh.
   */
  private async changeDevice(name: string, operationId: string, change: (current: Device, now: string) => Device, known?: Device): Promise<Device> {
    checkDeviceName(name);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const current = round === 0 && known?.name === name ? known : await this.getDevice(name);
      if (!current) throw new NotFoundError(`device ${name} does not exist`);
      const next = change(current, this.isoNow());
      if (await this.writeDevice(next, current.version, operationId)) return next;
      await backoff(round);
    }
    throw new ConflictError(`device ${name} kept changing while the session tried to record its state`);
  }

  /**
   * Puts the whole device item; false when the condition was lost: absent for a new device, else the version read
   * and, for a session's write, also the operation id it runs under (stated explicitly, not only implied by version).
   */
  private async writeDevice(device: Device, expectedVersion: number | undefined, operationId?: string): Promise<boolean> {
    let condition: Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;
    if (expectedVersion === undefined) condition = { ConditionExpression: 'attribute_not_exists(pk)' };
    else if (operationId === undefined) {
      condition = { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': expectedVersion } };
    } else {
      condition = {
        ConditionExpression: '#version = :expected AND #operationId = :operationId',
        ExpressionAttributeNames: { '#version': 'version', '#operationId': 'operationId' },
        ExpressionAttributeValues: { ':expected': expectedVersion, ':operationId': operationId },
      };
    }
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...deviceKey(device.name), ...device }, ...condition }));
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw storeFailure(`saving device ${device.name}`, err);
    }
  }

  private isoNow(): string {
    return this.now().toISOString();
  }
}

function mergeParameters(item: Record<string, unknown> | undefined): ServiceParameters {
  const merged: ServiceParameters = { ...DEFAULT_PARAMETERS };
  if (!item) return merged;
  if (typeof item.lscValidityDays === 'number') merged.lscValidityDays = item.lscValidityDays;
  if (typeof item.ipv6Enabled === 'boolean') merged.ipv6Enabled = item.ipv6Enabled;
  if (typeof item.requireCertificateNameMatch === 'boolean') merged.requireCertificateNameMatch = item.requireCertificateNameMatch;
  if (typeof item.updatedAt === 'string') merged.updatedAt = item.updatedAt;
  return merged;
}
