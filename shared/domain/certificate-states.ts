// The life of an issued certificate (issue 10): which state an issuance record may move to from which. The store adapter
// makes each change conditional on the record being in one of the states listed here, so two writers can never move a
// certificate backwards (a superseded LSC never becomes installed again, a revoked one never un-revoked).
import type { IssuanceState } from '../ports/index.ts';

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
