// The life of an issued certificate (issue 10): which state an issuance record may move to from which. The store adapter
// makes each change conditional on the record being in one of the states listed here, so two writers can never move a
// certificate backwards (a superseded LSC never becomes installed again, a revoked one never un-revoked).
// Issue 16: the enrolment no longer writes `installed`. The device names its LSC's record (Device.lscIssuance, written
// by the outcome that installed it), so an `issued` record the device names IS its installed LSC: every reader of the
// states reads it through effectiveState, and the expiry monitor writes `installed` on such records off the hot path.
import { ConflictError } from '../errors.ts';
import type { Device } from '../model.ts';
import type { DeviceStore, IssuanceKey, IssuanceRecord, IssuanceState, IssuanceStore } from '../ports/index.ts';

/** For each target state, the states a record may come from. Absent = no setState may reach it (the signer's states). */
export const STATE_SOURCES: Readonly<Partial<Record<IssuanceState, readonly IssuanceState[]>>> = Object.freeze({
  installed: ['issued'],
  abandoned: ['reserved', 'pending', 'issued'],
  // From issued too: the device's current LSC stays issued until the expiry monitor writes installed on it.
  superseded: ['issued', 'installed'],
  deleted: ['issued', 'installed'],
  revoked: ['issued', 'installed', 'abandoned', 'superseded', 'deleted', 'expired'],
  expired: ['issued', 'installed', 'abandoned', 'superseded', 'deleted'],
});

/** The states `target` may be reached from (empty when setState may not set it). */
export function statesBefore(target: IssuanceState): readonly IssuanceState[] {
  return STATE_SOURCES[target] ?? [];
}

/** Whether a record in `from` may be moved to `to` (staying put is always allowed: a repeat is a no-op). */
export function canMove(from: IssuanceState, to: IssuanceState): boolean {
  return from === to || statesBefore(to).includes(from);
}

/** Whether `record` is the one the device names as its LSC's (Device.lscIssuance). */
export function isDeviceLsc(record: IssuanceKey, lscIssuance: Device['lscIssuance']): boolean {
  return lscIssuance !== undefined && record.operationId === lscIssuance.operationId && record.spkiSha256 === lscIssuance.spkiSha256;
}

/**
 * The state a record stands in, read with its device's `lscIssuance`: an issued record the device names is installed
 * (the phone confirmed it and the outcome named it); any other state is as stored. Without the device (deleted), as stored.
 */
export function effectiveState(record: IssuanceKey & { state: IssuanceState }, lscIssuance: Device['lscIssuance']): IssuanceState {
  return record.state === 'issued' && isDeviceLsc(record, lscIssuance) ? 'installed' : record.state;
}

/** The records with their effective states (the device's copy of each record is only changed when its state is). */
export function withEffectiveStates<R extends IssuanceRecord>(records: readonly R[], device: Pick<Device, 'lscIssuance'> | undefined): R[] {
  return records.map((record) => {
    const state = effectiveState(record, device?.lscIssuance);
    return state === record.state ? record : { ...record, state };
  });
}

/**
 * A device's issuance records, oldest first, with their states as the product reads them: the list and the device
 * read together (two requests at once). The admin API's certificate list and the tests read states through this.
 */
export async function deviceIssuances(stores: { devices: Pick<DeviceStore, 'get'>; issuances: Pick<IssuanceStore, 'listForDevice'> }, deviceName: string): Promise<{ device: Device | undefined; records: IssuanceRecord[] }> {
  const [records, device] = await Promise.all([stores.issuances.listForDevice(deviceName), stores.devices.get(deviceName)]);
  return { device, records: withEffectiveStates(records, device) };
}

/** Of `records`, the issued ones their device names as its LSC: installed, though the record still says issued. */
export async function issuedButInstalled<R extends IssuanceRecord>(devices: Pick<DeviceStore, 'getMany'>, records: readonly R[]): Promise<R[]> {
  const issued = records.filter((record) => record.state === 'issued');
  if (issued.length === 0) return [];
  const named = await devices.getMany(issued.map((record) => record.deviceName));
  return issued.filter((record) => isDeviceLsc(record, named.get(record.deviceName)?.lscIssuance));
}

/** Records of many devices with their effective states: the devices of the issued ones read in batches. */
export async function withDevicesStates<R extends IssuanceRecord>(devices: Pick<DeviceStore, 'getMany'>, records: readonly R[]): Promise<R[]> {
  const installed = new Set(await issuedButInstalled(devices, records));
  return records.map((record) => (installed.has(record) ? { ...record, state: 'installed' } : record));
}

/**
 * When a device is re-armed (a new operation id), the certificates issued under its earlier operations that the phone
 * never stored are abandoned: their records say so, and they cannot authenticate (shared/protocol/certificate-rules.ts).
 * The device's current LSC (its lscIssuance, which may still be issued) is not one of them. One query of the device's
 * records, then one conditional write per such record; a record another writer moved first (installed by a late
 * session, revoked) is left as that writer put it. Returns how many were abandoned.
 */
export async function abandonEarlierCertificates(issuances: Pick<IssuanceStore, 'listForDevice' | 'setState'>, device: Pick<Device, 'name' | 'operationId' | 'lscIssuance'>): Promise<number> {
  const earlier = (await issuances.listForDevice(device.name)).filter(
    (record) => record.state === 'issued' && record.operationId !== device.operationId && !isDeviceLsc(record, device.lscIssuance),
  );
  let abandoned = 0;
  for (const record of earlier) {
    try {
      await issuances.setState(record, 'abandoned');
      abandoned++;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  return abandoned;
}
