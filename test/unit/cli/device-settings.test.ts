// What `capf device set` flags do to a device (cli/admin/device-settings.ts).
import { describe, expect, it } from 'vitest';
import { settingsFromFlags } from '../../../cli/admin/device-settings.ts';
import { ValidationError } from '../../../shared/errors.ts';
import type { Device } from '../../../shared/model.ts';

const NAME = 'SEP001122334455';

function device(overrides: Partial<Device> = {}): Device {
  return {
    name: NAME,
    operation: 'none',
    operationId: 'op-1',
    authMode: 'null-string',
    keyOrder: 'rsa',
    rsaKeySize: 2048,
    curve: 'P-256',
    status: 'none',
    statusAt: '2026-01-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

function refusal(work: () => unknown): ValidationError {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('authentication string flags', () => {
  it('--generate in the default null-string mode switches to auth-string, keeps the string and says so', () => {
    const { settings, generated, notes } = settingsFromFlags(NAME, undefined, { operation: 'install', generate: true });
    expect(generated).toMatch(/^\d{8}$/);
    expect(settings).toMatchObject({ authMode: 'auth-string', authString: generated, operation: 'install' });
    expect(notes.join('\n')).toMatch(/auth mode set to auth-string \(--generate/);
  });

  it('--auth-string on a null-string device switches it to auth-string and keeps the string', () => {
    const { settings, notes } = settingsFromFlags(NAME, device(), { operation: 'install', authString: 'ab12' });
    expect(settings).toMatchObject({ authMode: 'auth-string', authString: 'ab12' });
    expect(notes.join('\n')).toMatch(/--auth-string/);
  });

  it('says nothing extra when the device is in auth-string mode already', () => {
    const { settings, notes } = settingsFromFlags(NAME, device({ authMode: 'auth-string', authString: 'old1' }), { authString: 'new12' });
    expect(settings.authString).toBe('new12');
    expect(notes).toEqual([]);
  });

  it('refuses --auth-string with --generate, naming both flags', () => {
    const error = refusal(() => settingsFromFlags(NAME, undefined, { authString: 'abcd', generate: true }));
    expect(error.code).toBe('CONFLICTING_OPTIONS');
    expect(error.message).toMatch(/--auth-string and --generate/);
  });

  it('refuses a string with another --auth-mode, naming the flags', () => {
    const error = refusal(() => settingsFromFlags(NAME, undefined, { authMode: 'null-string', generate: true }));
    expect(error.message).toMatch(/--generate .* --auth-mode auth-string.*\(not --auth-mode null-string\)/);
  });

  it('names --auth-string, not the stored field, for a bad length, and never echoes the value', () => {
    const error = refusal(() => settingsFromFlags(NAME, undefined, { authString: 'ab9' }));
    expect(error.message).toMatch(/^--auth-string must be 4 to 64 characters long \(got 3\)$/);
    expect(error.message).not.toContain('ab9');
  });

  it('refuses auth-string mode with an operation and no string, telling which flag to add', () => {
    const error = refusal(() => settingsFromFlags(NAME, undefined, { operation: 'install', authMode: 'auth-string' }));
    expect(error.code).toBe('AUTH_STRING_REQUIRED');
    expect(error.message).toMatch(/--generate or --auth-string/);
  });
});

describe('deadlines', () => {
  const future = '2099-01-01T00:00:00.000Z';

  it('a new operation without --completes-by drops the earlier deadline and says so', () => {
    const { settings, notes } = settingsFromFlags(NAME, device({ operation: 'install', completesBy: '2020-01-01T00:00:00.000Z' }), { operation: 'install' });
    expect(settings.completesBy).toBeUndefined();
    expect(notes.join('\n')).toMatch(/earlier deadline 2020-01-01T00:00:00.000Z does not apply/);
  });

  it('a new operation with --completes-by gets that deadline', () => {
    expect(settingsFromFlags(NAME, undefined, { operation: 'fetch', completesBy: future }).settings.completesBy).toBe(future);
  });

  it('a change that is not a new operation keeps the deadline', () => {
    expect(settingsFromFlags(NAME, device({ operation: 'install', completesBy: future }), { rsaSize: 3072 }).settings.completesBy).toBe(future);
  });

  it('refuses --completes-by with --no-deadline, and --completes-by without an operation', () => {
    expect(refusal(() => settingsFromFlags(NAME, undefined, { operation: 'install', completesBy: future, noDeadline: true })).message).toMatch(/--completes-by and --no-deadline/);
    expect(refusal(() => settingsFromFlags(NAME, undefined, { completesBy: future })).message).toMatch(/add --operation/);
  });
});
