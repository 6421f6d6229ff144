// Issue 16: the state an issuance record stands in is read with its device: an issued record the device's lscIssuance
// names is the installed LSC; the allowed changes let a current LSC that still says issued be superseded or deleted.
import { describe, expect, it } from 'vitest';
import { canMove, effectiveState, isDeviceLsc, withEffectiveStates } from '../../../shared/domain/certificate-states.ts';
import type { IssuanceRecord } from '../../../shared/ports/index.ts';

const key = { deviceName: 'SEP001122334455', operationId: 'op-2', spkiSha256: 'ab'.repeat(32) };
const named = { operationId: 'op-2', spkiSha256: 'ab'.repeat(32) };

function record(state: IssuanceRecord['state'], operationId = key.operationId): IssuanceRecord {
  return { ...key, operationId, requestId: 'r', state, chainPem: [], issuer: 'capf-software', createdAt: '2026-12-03T00:00:00.000Z' };
}

describe('effective issuance states', () => {
  it('reads an issued record the device names as installed, and nothing else differently', () => {
    expect(isDeviceLsc(key, named)).toBe(true);
    expect(isDeviceLsc(key, { ...named, operationId: 'op-1' })).toBe(false);
    expect(isDeviceLsc(key, { ...named, spkiSha256: 'cd'.repeat(32) })).toBe(false);
    expect(isDeviceLsc(key, undefined)).toBe(false);
    expect(effectiveState(record('issued'), named)).toBe('installed');
    expect(effectiveState(record('issued'), undefined)).toBe('issued');
    expect(effectiveState(record('issued', 'op-1'), named)).toBe('issued');
    for (const state of ['installed', 'superseded', 'deleted', 'revoked', 'expired', 'abandoned', 'pending'] as const) expect(effectiveState(record(state), named)).toBe(state);
  });

  it('changes only the record the device names, leaving the others as they were read', () => {
    const records = [record('issued', 'op-1'), record('issued'), record('superseded', 'op-0')];
    const read = withEffectiveStates(records, { lscIssuance: named });
    expect(read.map((r) => r.state)).toEqual(['issued', 'installed', 'superseded']);
    expect(read[0]).toBe(records[0]);
    expect(records[1]?.state).toBe('issued');
    expect(withEffectiveStates(records, undefined)).toEqual(records);
  });

  it('lets an issued certificate be superseded or deleted (the current LSC), never an abandoned one', () => {
    expect(canMove('issued', 'superseded')).toBe(true);
    expect(canMove('issued', 'deleted')).toBe(true);
    expect(canMove('abandoned', 'superseded')).toBe(false);
    expect(canMove('superseded', 'installed')).toBe(false);
  });
});
