// Issue 16: an enrolment no longer writes `installed` on its issuance record; the device names its LSC's record
// (Device.lscIssuance) in the outcome's write. Before a run reads its windows and counts, the monitor writes `installed`
// on every issued record whose device names it (off the hot path: one query of the issued partition of the notAfter
// index, the devices read 100 a request, a few conditional writes at a time), so its notices, re-enrolment, revocations
// and counts see the states as the product means them. An issued record no device names keeps its meaning: a
// certificate sent but not confirmed (yet), which a re-arm abandons and the monitor revokes once it expires.
import { issuedButInstalled } from '../domain/certificate-states.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { DeviceStore, IssuanceRecord, IssuanceStore } from '../ports/index.ts';
import { EARLIEST, LATEST, listAllByNotAfter } from './gather.ts';

/** Conditional writes in flight at once. */
const WRITES_AT_ONCE = 16;

/** Every issued record, whatever its notAfter, that its device names as its LSC. */
export async function installedStillIssued(stores: { devices: Pick<DeviceStore, 'getMany'>; issuances: IssuanceStore }): Promise<IssuanceRecord[]> {
  return issuedButInstalled(stores.devices, await listAllByNotAfter(stores.issuances, 'issued', EARLIEST, LATEST));
}

/**
 * Writes `installed` on each record, conditional on it being issued still: one a renewal superseded, a delete deleted
 * or an administrator revoked meanwhile stays as that writer put it. Returns how many records moved.
 */
export async function markInstalled(issuances: Pick<IssuanceStore, 'setState'>, records: readonly IssuanceRecord[]): Promise<number> {
  let moved = 0;
  for (let start = 0; start < records.length; start += WRITES_AT_ONCE) {
    const batch = records.slice(start, start + WRITES_AT_ONCE);
    const written = await Promise.all(
      batch.map(async (record) => {
        try {
          await issuances.setState(record, 'installed');
          return true;
        } catch (error) {
          if (error instanceof ConflictError || error instanceof NotFoundError) return false;
          throw error;
        }
      }),
    );
    moved += written.filter(Boolean).length;
  }
  return moved;
}
