// Issue 16: an enrolment leaves its LSC's record issued and names it in the device's outcome (lscIssuance). The expiry
// monitor reads such a record as installed: a run writes installed on it first (a dry run only reads it so), so its
// counts, notices and re-enrolment see the LSC in service; an issued record no device names stays issued, and one
// superseded between the read and the write stays superseded.
import { describe, expect, it } from 'vitest';
import { installedStillIssued, markInstalled } from '../../../shared/monitor-service/installed-records.ts';
import type { IssuanceKey } from '../../../shared/ports/index.ts';
import { makeBed, useDynalite, type Bed } from './monitor-fixture.ts';

const START = new Date('2027-05-01T06:00:00.000Z');
const dynamo = useDynalite();

/** A device whose last install ended with the LSC of `key` (the outcome a session writes: no write on the record). */
async function installedBy(bed: Bed, key: IssuanceKey): Promise<void> {
  const device = await bed.stores.devices.put({ name: key.deviceName, operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' });
  const record = await bed.stores.issuances.get(key);
  await bed.stores.devices.finishOperation(key.deviceName, device.operationId, { status: 'success', lsc: record!.certificate!, lscIssuance: { operationId: key.operationId, spkiSha256: key.spkiSha256 } });
}

async function stateOf(bed: Bed, key: IssuanceKey): Promise<string | undefined> {
  return (await bed.stores.issuances.get(key))?.state;
}

describe('installed LSCs whose record still says issued', () => {
  it('are counted, noticed and renewed as installed; a dry run writes nothing, a run writes installed', async () => {
    const bed = await makeBed(dynamo.client(), START);
    await bed.stores.parameters.update({ reenrolmentEnabled: true, reenrolmentFraction: 0.8 });
    const far = await bed.lsc('SEP0000000A0001', 400, 'issued');
    const soon = await bed.lsc('SEP0000000A0002', 5, 'issued');
    const unconfirmed = await bed.lsc('SEP0000000A0003', 200, 'issued');
    await installedBy(bed, far.key);
    await installedBy(bed, soon.key);
    // This device's LSC is another record: the issued one was sent, never confirmed.
    const other = await bed.lsc('SEP0000000A0003', 300, 'issued');
    await installedBy(bed, other.key);

    const monitor = bed.monitor([]);
    const dry = await monitor.run({ dryRun: true });
    expect(dry.metrics.byState).toMatchObject({ installed: 3, issued: 1 });
    expect(dry.metrics.byBucket.lsc).toEqual({ le1: 0, le7: 1, le30: 0, gt30: 2 });
    expect(dry.armed.map((candidate) => candidate.device)).toEqual(['SEP0000000A0002']);
    expect(dry.dueNotices).toBeGreaterThanOrEqual(1);
    expect(await Promise.all([far, soon, unconfirmed, other].map(({ key }) => stateOf(bed, key)))).toEqual(['issued', 'issued', 'issued', 'issued']);

    const real = await monitor.run();
    expect(real.metrics).toEqual(dry.metrics);
    expect(real.armed).toEqual(dry.armed);
    expect(await Promise.all([far, soon, unconfirmed, other].map(({ key }) => stateOf(bed, key)))).toEqual(['installed', 'installed', 'issued', 'installed']);
    expect(await bed.stores.monitor.countCertificates('installed')).toBe(3);
    // The re-armed device's current LSC is not abandoned by the re-arm: it stays installed until the renewal supersedes it.
    expect(await bed.stores.devices.get('SEP0000000A0002')).toMatchObject({ operation: 'install', authMode: 'lsc-precedence' });
    expect(await installedStillIssued(bed.stores)).toEqual([]);
  });

  it('a record superseded between the read and the write stays superseded', async () => {
    const bed = await makeBed(dynamo.client(), START);
    const first = await bed.lsc('SEP0000000A0011', 100, 'issued');
    const second = await bed.lsc('SEP0000000A0012', 100, 'issued');
    await installedBy(bed, first.key);
    await installedBy(bed, second.key);
    const found = await installedStillIssued(bed.stores);
    expect(found.map((record) => record.deviceName).sort()).toEqual(['SEP0000000A0011', 'SEP0000000A0012']);
    await bed.stores.issuances.setState(first.key, 'superseded'); // a renewal of that phone, meanwhile
    expect(await markInstalled(bed.stores.issuances, found)).toBe(1);
    expect(await stateOf(bed, first.key)).toBe('superseded');
    expect(await stateOf(bed, second.key)).toBe('installed');
    expect(await markInstalled(bed.stores.issuances, found)).toBe(1); // a repeat finds the second already installed
  });
});
