// A device's table item and the updates that change it. The listener's role may write only the attributes a session
// changes (infra/constructs/table-access.ts), so the fields only administrators set, `operation` and `authString`,
// are never written by a session: a session that ends its operation writes `operationEnded` (the id of the operation
// it ended), and one that used a one-time authentication string writes `authStringUsed` (the same id). Reading applies
// them: while the markers carry the device's current operation id, the device's operation is `none` and it has no
// string. An administrator's write (which re-arms with a new operation id, or keeps the ended operation ended) sets
// `operation` and `authString` as the device now has them and removes both markers.
import type { Device } from '../model.ts';
import { deviceIndexKeys, OPERATION_ENDED } from './dynamo-device-index.ts';
import { changedAttributes, type AttributeUpdate } from './item-diff.ts';
import { GSI1 } from './dynamo-table.ts';

export { OPERATION_ENDED };
/** The id of the operation whose success used the device's one-time authentication string. */
export const AUTH_STRING_USED = 'authStringUsed';

/** Rebuilds a Device from a table item, keeping the known fields only (no pk/sk, markers or stray attributes). */
export function deviceFromItem(item: Record<string, unknown>): Device {
  const source = item as unknown as Device;
  const ended = item[OPERATION_ENDED] !== undefined && item[OPERATION_ENDED] === source.operationId;
  const used = item[AUTH_STRING_USED] !== undefined && item[AUTH_STRING_USED] === source.operationId;
  const device: Device = {
    name: source.name,
    operation: ended ? 'none' : source.operation,
    operationId: source.operationId,
    authMode: source.authMode,
    keyOrder: source.keyOrder,
    rsaKeySize: source.rsaKeySize,
    curve: source.curve,
    status: source.status,
    statusAt: source.statusAt,
    createdAt: source.createdAt,
    updatedAt: source.updatedAt,
    version: source.version,
  };
  const optional = ['completesBy', 'authString', 'statusReason', 'statusSessionId', 'lsc', 'fetched', 'authFailures', 'lockedUntil', 'lscIssuance', 'certificatesIssued'] as const;
  for (const key of optional) {
    if (key === 'authString' && used) continue;
    if (source[key] !== undefined) (device as unknown as Record<string, unknown>)[key] = source[key];
  }
  return device;
}

/** A brand-new device's item (administrators create devices; no markers). */
export function newDeviceItem(device: Device): Record<string, unknown> {
  return { ...deviceIndexKeys(device), ...device };
}

/** The attributes the sign service's key claim sets or removes on a device (and the by-status index key). */
const SIGNER_STATUS_ATTRIBUTES = ['status', 'statusAt', 'statusReason', 'statusSessionId', 'updatedAt', 'authFailures', 'lockedUntil', GSI1.pk] as const;

/**
 * A session's change (`previous` → `device`, both as read): the attributes that changed, where ending the operation
 * becomes `operationEnded` and dropping the one-time string becomes `authStringUsed`. A session never sets either
 * field otherwise; a transition that tried would be a bug, refused here before anything is written.
 */
export function sessionUpdate(previous: Device, device: Device, operationId: string): AttributeUpdate {
  if (device.operation !== previous.operation && device.operation !== 'none') throw new Error(`a session cannot set device ${device.name}'s operation`);
  if (device.authString !== undefined && device.authString !== previous.authString) throw new Error(`a session cannot set device ${device.name}'s authentication string`);
  const attributes = (d: Device): Record<string, unknown> => {
    const { operation, authString, ...rest } = d;
    return {
      ...deviceIndexKeys(d),
      ...rest,
      ...(operation === 'none' ? { [OPERATION_ENDED]: operationId } : {}),
      ...(authString === undefined ? { [AUTH_STRING_USED]: operationId } : {}),
    };
  };
  // What the sign service's claim writes without a version bump (it marks an install in progress) is always written:
  // the session's copy may predate it, and an outcome equal to the copy (the same reason, no wrong strings) must land.
  const before: Record<string, unknown> = attributes(previous);
  for (const name of SIGNER_STATUS_ATTRIBUTES) before[name] = WRITTEN_ANYWAY;
  return changedAttributes(before, attributes(device));
}

/** Differs from any value, so the attribute is always SET (or REMOVEd when the device no longer has it). */
const WRITTEN_ANYWAY = Symbol('written anyway');

/**
 * An administrator's change: the attributes that changed, plus `operation` and `authString` as `device` has them
 * (the item may hold an ended operation or a used string behind the markers) and the markers removed.
 */
export function adminUpdate(previous: Device, device: Device): AttributeUpdate {
  const before = { ...deviceIndexKeys(previous), ...previous, operation: WRITTEN_ANYWAY, authString: WRITTEN_ANYWAY, [OPERATION_ENDED]: WRITTEN_ANYWAY, [AUTH_STRING_USED]: WRITTEN_ANYWAY };
  return changedAttributes(before, { ...deviceIndexKeys(device), ...device });
}
