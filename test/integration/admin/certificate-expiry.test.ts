// The certificates in service by expiry (shared/admin/certificate-expiry.ts) on dynalite: buckets by days to expiry,
// the next twelve months, only issued and installed certificates, and paging through the notAfter index when many
// certificates expire at the same instant (each counted once).
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { bucketOf, certificatesExpiring, expirySummary } from '../../../shared/admin/certificate-expiry.ts';
import { expiryReport } from '../../../shared/monitor-service/expiry-report.ts';
import type { Stores } from '../../../shared/ports/index.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { putLsc, useDynalite } from '../monitor/monitor-fixture.ts';

const DAY = 86_400_000;
const now = new Date('2026-12-03T12:00:00.000Z');
const dynalite = useDynalite();
let stores: Stores;

beforeEach(async () => {
  const table = `expiry-${randomBytes(4).toString('hex')}`;
  await ensureTable(dynalite.client(), table);
  stores = createDynamoStores({ client: dynalite.client(), tableName: table });
});

describe('certificates by expiry', () => {
  it('puts each day count in its bucket', () => {
    const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
    expect([-0.1, 0.5, 1, 1.5, 7, 29, 30.5, 90, 91].map((days) => bucketOf(at(days), now))).toEqual(['expired', 'le1', 'le1', 'le7', 'le7', 'le30', 'le90', 'le90', 'later']);
  });

  it('counts issued and installed certificates by bucket and by month, past ties at one instant, each once', async () => {
    for (const [i, days] of [-3, 0.5, 0.5, 0.5, 5, 40, 40, 100, 400].entries()) await putLsc(stores, now, `SEP0000000F00${String(i).padStart(2, '0')}`, days, i % 2 === 0 ? 'installed' : 'issued');
    await putLsc(stores, now, 'SEP0000000F0099', 2, 'superseded');
    for (const pageSize of [3, 4, 5_000]) {
      const summary = await expirySummary(stores.issuances, now, pageSize);
      expect(summary.total, `page ${pageSize}`).toBe(9);
      expect(summary.buckets).toEqual({ expired: 1, le1: 3, le7: 1, le30: 0, le90: 2, later: 2 });
      expect(summary.months).toHaveLength(12);
      expect(summary.months[0]).toEqual({ month: '2026-12', count: 4 });
      expect(summary.months[1]).toEqual({ month: '2027-01', count: 2 });
      expect(summary.months.reduce((sum, month) => sum + month.count, 0)).toBe(7);
    }
    // Three issued certificates expire at one instant: a page of two cannot get past them, and says so.
    await expect(expirySummary(stores.issuances, now, 2)).rejects.toMatchObject({ code: 'TOO_MANY' });
  });

  it('lists a range soonest first with the device, and says when there is more', async () => {
    await putLsc(stores, now, 'SEP0000000F0001', 9);
    await putLsc(stores, now, 'SEP0000000F0002', 3);
    await putLsc(stores, now, 'SEP0000000F0003', 60);
    const to = new Date(now.getTime() + 30 * DAY).toISOString();
    const all = await certificatesExpiring(stores, { from: now.toISOString(), to, limit: 10 });
    expect(all.certificates.map((c) => c.deviceName)).toEqual(['SEP0000000F0002', 'SEP0000000F0001']);
    expect(all.truncated).toBe(false);
    expect((await certificatesExpiring(stores, { from: now.toISOString(), to, limit: 1 })).truncated).toBe(true);
    await expect(certificatesExpiring(stores, { from: to, to: now.toISOString(), limit: 1 })).rejects.toThrow(/starts/);
  });

  it("lists a device's current LSC as installed while its record still says issued (issue 16), in the list and the expiry report", async () => {
    const current = await putLsc(stores, now, 'SEP0000000F0011', 9, 'issued');
    const unconfirmed = await putLsc(stores, now, 'SEP0000000F0012', 3, 'issued');
    const device = await stores.devices.put({ name: 'SEP0000000F0011', operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' });
    const record = await stores.issuances.get(current.key);
    await stores.devices.finishOperation(device.name, device.operationId, { status: 'success', lsc: record!.certificate!, lscIssuance: { operationId: current.key.operationId, spkiSha256: current.key.spkiSha256 } });
    const to = new Date(now.getTime() + 30 * DAY).toISOString();
    const listed = await certificatesExpiring(stores, { from: now.toISOString(), to, limit: 10 });
    expect(listed.certificates.map((c) => [c.deviceName, c.serialHex, c.state])).toEqual([
      ['SEP0000000F0012', unconfirmed.serialHex, 'issued'],
      ['SEP0000000F0011', current.serialHex, 'installed'],
    ]);
    const rows = await expiryReport({ issuances: stores.issuances, devices: stores.devices, withinMs: 30 * DAY, now });
    expect(rows.map((row) => [row.device, row.state])).toEqual([
      ['SEP0000000F0012', 'issued'],
      ['SEP0000000F0011', 'installed'],
    ]);
    expect((await stores.issuances.get(current.key))?.state).toBe('issued');
  });
});
