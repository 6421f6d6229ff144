// The life of an issued certificate (issue 10): which state an issuance record may move to from which. The store adapter
// makes each change conditional on the record being in one of the states listed here, so two writers can never move a
// certificate backwards (a superseded LSC never becomes installed again, a revoked one never un-revoked).
import { ConflictError } from '../errors.ts';
import type { IssuanceState, IssuanceStore } from '../ports/index.ts';

/** For each target state, the states a record may come from. Absent = no setState may reach it (the signer's states). */
export const STATE_SOURCES: Readonly<Partial<Record<IssuanceState, readonly IssuanceState[]>>> = Object.freeze({
  installed: ['issued'],
  abandoned: ['reserved', 'pending', 'issued'],
  superseded: ['installed'],
  deleted: ['installed'],
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

/**
 * When a device is re-armed (a new operation id), the certificates issued under its earlier operations that the phone
 * never stored are abandoned: their records say so, and they cannot authenticate (shared/protocol/certificate-rules.ts).
 * One query of the device's records, then one conditional write per such record; a record another writer moved first
 * (installed by a late session, revoked) is left as that writer put it. Returns how many were abandoned.
 */
export async function abandonEarlierCertificates(issuances: Pick<IssuanceStore, 'listForDevice' | 'setState'>, deviceName: string, currentOperationId: string): Promise<number> {
  const earlier = (await issuances.listForDevice(deviceName)).filter((record) => record.state === 'issued' && record.operationId !== currentOperationId);
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
