// Service parameters: defaults until set, partial updates merge, bad values never reach the table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { type ServiceParameters } from '../../../shared/ports/index.ts';
import { DEFAULT_PARAMETERS, withDefaultParameters } from '../../../shared/domain/parameters.ts';
import { BACKENDS } from './store-backends.ts';

describe.each(BACKENDS)('service parameters on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  const clock = new Date('2026-04-01T08:00:00.000Z');

  beforeAll(async () => {
    connection = await backend.connect();
  });
  afterAll(async () => {
    await connection.close();
  });

  it('returns the defaults on a new table', async () => {
    const store = await connection.newStore();
    expect(await store.parameters.get()).toEqual(DEFAULT_PARAMETERS);
  });

  it('merges partial updates with what is stored and the defaults', async () => {
    const store = await connection.newStore(() => clock);
    const first = await store.parameters.update({ lscValidityDays: 730 });
    expect(first).toEqual({ ...DEFAULT_PARAMETERS, lscValidityDays: 730, updatedAt: clock.toISOString() });
    await store.parameters.update({ ipv6Enabled: false });
    expect(await store.parameters.get()).toEqual({
      ...DEFAULT_PARAMETERS,
      lscValidityDays: 730,
      ipv6Enabled: false,
      requireCertificateNameMatch: true,
      updatedAt: clock.toISOString(),
    });
    await store.parameters.update({ lscValidityDays: 1825, requireCertificateNameMatch: false });
    expect(await store.parameters.get()).toMatchObject({ lscValidityDays: 1825, ipv6Enabled: false, requireCertificateNameMatch: false });
    await store.parameters.update({ lscValidityDays: 1 });
    expect((await store.parameters.get()).lscValidityDays).toBe(1);
    await store.parameters.update({ authFailureLimit: 3, addressCooldownSeconds: 30 });
    expect(await store.parameters.get()).toMatchObject({ authFailureLimit: 3, addressCooldownSeconds: 30, authLockMaxMinutes: 60, lscValidityDays: 1 });
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['0 validity days', { lscValidityDays: 0 }, 'INVALID_LSC_VALIDITY'],
    ['1826 validity days', { lscValidityDays: 1826 }, 'INVALID_LSC_VALIDITY'],
    ['a fractional validity', { lscValidityDays: 36.5 }, 'INVALID_LSC_VALIDITY'],
    ['a validity given as text', { lscValidityDays: '365' }, 'INVALID_LSC_VALIDITY'],
    ['a non-boolean IPv6 switch', { ipv6Enabled: 'yes' }, 'INVALID_PARAMETER'],
    ['an unknown parameter', { keepAliveSeconds: 15 }, 'UNKNOWN_PARAMETER'],
    ['0 certificates per operation', { maxCertificatesPerOperation: 0 }, 'INVALID_PARAMETER'],
    ['21 certificates per operation', { maxCertificatesPerOperation: 21 }, 'INVALID_PARAMETER'],
    ['a negative clock skew', { certificateClockSkewSeconds: -1 }, 'INVALID_PARAMETER'],
    ['a non-boolean expired-MIC switch', { acceptExpiredMic: 1 }, 'INVALID_PARAMETER'],
  ];

  it('stores the certificate limits and falls back to the default for a stored value out of bounds', async () => {
    const store = await connection.newStore();
    expect(await store.parameters.get()).toMatchObject({ maxCertificatesPerOperation: 3, certificateClockSkewSeconds: 300, acceptExpiredMic: false });
    const updated = await store.parameters.update({ maxCertificatesPerOperation: 5, certificateClockSkewSeconds: 0, acceptExpiredMic: true });
    expect(updated).toMatchObject({ maxCertificatesPerOperation: 5, certificateClockSkewSeconds: 0, acceptExpiredMic: true });
    expect(withDefaultParameters({ maxCertificatesPerOperation: 99, certificateClockSkewSeconds: 1.5 })).toMatchObject({ maxCertificatesPerOperation: 3, certificateClockSkewSeconds: 300 });
  });

  it.each(invalid)('refuses %s and keeps the stored values', async (_label, update, code) => {
    const store = await connection.newStore();
    await store.parameters.update({ lscValidityDays: 90 });
    const before = await store.parameters.get();
    const error = await store.parameters.update(update as Partial<ServiceParameters>).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(code);
    expect(await store.parameters.get()).toEqual(before);
  });
});
