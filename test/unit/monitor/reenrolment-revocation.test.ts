// Automatic re-enrolment (which devices pass the lifetime fraction), revocation (which LSCs, which reason), and the
// CRL plan the CrlBuilder takes.
import { createPrivateKey } from 'node:crypto';
import { X509Crl } from '@peculiar/x509';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { crlRefreshDue, planCrl, reenrolmentDue, revocationsDue, type RevokedCertificate } from '../../../shared/monitor/index.ts';
import { CrlBuilder, createSoftwareSigner, generateCapfCa, MAX_CRL_ENTRIES } from '../../../shared/pki/index.ts';
import { certificate, DAY, inDays, issueSet, NOW } from './support.ts';

describe('reenrolmentDue', () => {
  it('arms devices whose installed LSC passed two thirds of its lifetime and has not expired', () => {
    // 90-day LSCs: two thirds is 60 days in, i.e. 30 days before expiry.
    const list = [certificate(31, { lifetimeDays: 90, device: 'SEP000000000031' }), certificate(30, { lifetimeDays: 90, device: 'SEP000000000030' }), certificate(5, { lifetimeDays: 90, device: 'SEP000000000005' }), certificate(-1, { lifetimeDays: 90, device: 'SEP0000000000FF' })];
    expect(reenrolmentDue(list, { now: NOW }).map((c) => [c.device, Math.round(c.elapsed * 1000) / 1000])).toEqual([
      ['SEP000000000005', 0.944],
      ['SEP000000000030', 0.667],
    ]);
  });

  it('of the issue set (365-day LSCs) arms those at 40, 30, 7 and 1 days, not the expired one', () => {
    expect(reenrolmentDue(issueSet(), { now: NOW }).map((c) => c.device)).toEqual(['SEP000000000101', 'SEP000000000107', 'SEP000000000130', 'SEP000000000140']);
    expect(reenrolmentDue(issueSet(), { now: NOW, fraction: 0.95 }).map((c) => c.device)).toEqual(['SEP000000000101', 'SEP000000000107']);
  });

  it('looks only at installed LSCs, and at the newest when a device has several', () => {
    const list = [
      certificate(5, { device: 'SEP0000000000AA', state: 'issued' }),
      certificate(5, { device: 'SEP0000000000BB', kind: 'capf-ca', state: 'active' }),
      certificate(5, { device: 'SEP0000000000CC' }),
      certificate(300, { device: 'SEP0000000000CC' }),
    ];
    expect(reenrolmentDue(list, { now: NOW })).toEqual([]);
  });

  it('refuses a fraction outside 0.05–0.95', () => {
    for (const fraction of [0, 0.01, 1, 1.5, Number.NaN]) expect(() => reenrolmentDue([], { now: NOW, fraction })).toThrow(ValidationError);
  });

  it('property: a device is armed exactly when now ≥ notBefore + fraction × lifetime and now < notAfter', () => {
    fc.assert(
      fc.property(fc.double({ min: -20, max: 400, noNaN: true }), fc.integer({ min: 1, max: 1825 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (days, lifetimeDays, fraction) => {
        const cert = certificate(days, { lifetimeDays });
        const start = Date.parse(cert.notBefore);
        const end = Date.parse(cert.notAfter);
        const expected = NOW.getTime() >= start + fraction * (end - start) && NOW.getTime() < end;
        const armed = reenrolmentDue([cert], { now: NOW, fraction }).length === 1;
        // Allow the one-millisecond rounding of the ISO times at the exact boundary.
        if (Math.abs(NOW.getTime() - (start + fraction * (end - start))) > 2) expect(armed).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('revocationsDue', () => {
  it('revokes expired LSCs in any state but revoked, and superseded, abandoned or deleted ones before they expire', () => {
    const list = [
      certificate(-1, { device: 'A-expired-installed' }),
      certificate(-0.01, { device: 'B-expired-issued', state: 'issued' }),
      certificate(100, { device: 'C-superseded', state: 'superseded' }),
      certificate(100, { device: 'D-abandoned', state: 'abandoned' }),
      certificate(100, { device: 'E-deleted', state: 'deleted' }),
      certificate(-5, { device: 'F-already', state: 'revoked' }),
      certificate(1, { device: 'G-in-use' }),
      certificate(-1, { device: 'H-trust', kind: 'trust', state: 'active' }),
    ];
    expect(revocationsDue(list, NOW).map((r) => [r.device, r.cause, r.reason])).toEqual([
      ['A-expired-installed', 'expired', 'cessationOfOperation'],
      ['B-expired-issued', 'expired', 'cessationOfOperation'],
      ['C-superseded', 'superseded', 'superseded'],
      ['D-abandoned', 'abandoned', 'superseded'],
      ['E-deleted', 'deleted', 'cessationOfOperation'],
    ]);
  });
});

describe('planCrl and crlRefreshDue', () => {
  const revoked = (serialHex: string, notAfterDays: number, revokedDays = 0): RevokedCertificate => ({ serialHex, revokedAt: inDays(revokedDays), reason: 'superseded', notAfter: inDays(notAfterDays) });

  it('lists revoked LSCs until 30 days after they expired, valid 7 days, and CrlBuilder signs the plan', async () => {
    const plan = planCrl([revoked('0a', 100, -3), revoked('0b', -29.9, -40), revoked('0c', -30.1, -40), revoked('0d', 0)], { now: new Date(NOW.getTime() + 123) });
    expect(plan.thisUpdate).toEqual(NOW);
    expect(plan.nextUpdate.getTime()).toBe(NOW.getTime() + 7 * DAY);
    expect(plan.entries.map((e) => e.serialHex)).toEqual(['0a', '0b', '0d']);
    expect(plan.dropped).toBe(1);
    const ca = await generateCapfCa({ keyType: 'ec', now: new Date(NOW.getTime() - 100 * DAY) });
    const crl = await new CrlBuilder(ca.certificateDer, createSoftwareSigner(createPrivateKey(ca.privateKeyPem))).build({ ...plan, crlNumber: 5 });
    expect(new X509Crl(crl).entries.map((e) => e.serialNumber)).toEqual(['0a', '0b', '0d']);
  });

  it('lists a revocation stamped after the run started as of thisUpdate, so the builder accepts it', () => {
    const plan = planCrl([revoked('0e', 50, 1 / 86_400)], { now: NOW });
    expect(plan.entries[0]!.revokedAt).toEqual(NOW);
  });

  it('keeps the retention at least the validity, and refuses more entries than a CRL holds', () => {
    expect(() => planCrl([], { now: NOW, validityDays: 10, retentionDays: 5 })).toThrow(/retention must be a whole number of days from 10/);
    expect(() => planCrl([], { now: NOW, validityDays: 31 })).toThrow(/validity must be a whole number of days from 1 to 30/);
    expect(planCrl([revoked('01', -20)], { now: NOW, validityDays: 30 }).entries).toHaveLength(1); // retention follows: 30
    const many = Array.from({ length: MAX_CRL_ENTRIES + 1 }, (_, i) => revoked((i + 1).toString(16), 10));
    expect(() => planCrl(many, { now: NOW })).toThrow(/shorten the CRL retention/);
  });

  it('republishes with no CRL yet, a changed list, or past half the validity', () => {
    const current = { thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + 7 * DAY) };
    expect(crlRefreshDue(undefined, NOW, false)).toBe(true);
    expect(crlRefreshDue(current, new Date(NOW.getTime() + DAY), true)).toBe(true);
    expect(crlRefreshDue(current, new Date(NOW.getTime() + 3.4 * DAY), false)).toBe(false);
    expect(crlRefreshDue(current, new Date(NOW.getTime() + 3.5 * DAY), false)).toBe(true);
  });
});
