// What `capf device set` flags mean for a device's settings (pure, tested in test/unit/cli/device-settings.test.ts):
// generating or setting an authentication string switches the device to auth-string mode (and says so), flags that
// contradict each other are refused naming both, a new operation starts without the old deadline, and every message
// names the flag the user typed rather than the stored field.
import { randomInt } from 'node:crypto';
import { ValidationError } from '../../shared/errors.ts';
import { AUTH_STRING_LENGTH } from '../../shared/domain/validation.ts';
import type { Device } from '../../shared/model.ts';
import type { DeviceSettings } from '../../shared/ports/index.ts';
import type { DeviceChange } from './target.ts';

export interface DeviceFlags {
  operation?: Device['operation'];
  authMode?: Device['authMode'];
  authString?: string;
  generate?: boolean;
  keyOrder?: Device['keyOrder'];
  rsaSize?: number;
  curve?: Device['curve'];
  /** ISO date, already checked to be in the future by the option parser. */
  completesBy?: string;
  noDeadline?: boolean;
}

export interface SettingsChange {
  settings: DeviceSettings;
  /** A string made by --generate, to print once. */
  generated?: string;
  /** What the flags did beyond the obvious, one line each ("auth mode set to auth-string (--generate)"). */
  notes: string[];
}

export const DEFAULT_DEVICE_SETTINGS: Omit<DeviceSettings, 'name'> = {
  operation: 'none',
  authMode: 'null-string',
  keyOrder: 'rsa',
  rsaKeySize: 2048,
  curve: 'P-256',
};

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** CUCM-style generated authentication string: digits only, so it can be typed on a phone keypad. */
export function generateAuthString(length = 8): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String(randomInt(10));
  return out;
}

function refuse(message: string, code = 'CONFLICTING_OPTIONS'): never {
  throw new ValidationError(message, code);
}

export function checkFlags(flags: DeviceFlags): void {
  if (flags.generate && flags.authString !== undefined) refuse('--auth-string and --generate both give the authentication string: use one of them');
  if (flags.completesBy !== undefined && flags.noDeadline) refuse('--completes-by and --no-deadline contradict each other: use one of them');
  const stringFlag = flags.generate ? '--generate' : flags.authString !== undefined ? '--auth-string' : undefined;
  if (stringFlag && flags.authMode !== undefined && flags.authMode !== 'auth-string') {
    refuse(`${stringFlag} sets an authentication string, which only --auth-mode auth-string uses (not --auth-mode ${flags.authMode})`);
  }
  if (flags.authString !== undefined) {
    // The value itself is never echoed: it is a secret the phone user types.
    if (flags.authString.length < AUTH_STRING_LENGTH.min || flags.authString.length > AUTH_STRING_LENGTH.max) {
      refuse(`--auth-string must be ${AUTH_STRING_LENGTH.min} to ${AUTH_STRING_LENGTH.max} characters long (got ${flags.authString.length})`, 'INVALID_AUTH_STRING');
    }
    if (!PRINTABLE_ASCII.test(flags.authString)) refuse('--auth-string must be printable ASCII characters only', 'INVALID_AUTH_STRING');
  }
}

function baseSettings(name: string, existing: Device | undefined): DeviceSettings {
  if (!existing) return { name, ...DEFAULT_DEVICE_SETTINGS };
  const { operation, authMode, keyOrder, rsaKeySize, curve, authString, completesBy } = existing;
  return { name, operation, authMode, keyOrder, rsaKeySize, curve, ...(authString ? { authString } : {}), ...(completesBy ? { completesBy } : {}) };
}

/** The settings `device set` writes for these flags over the device as it is (or a new one). */
export function settingsFromFlags(name: string, existing: Device | undefined, flags: DeviceFlags): SettingsChange {
  checkFlags(flags);
  const settings = baseSettings(name, existing);
  if (flags.operation) settings.operation = flags.operation;
  if (flags.keyOrder) settings.keyOrder = flags.keyOrder;
  if (flags.rsaSize) settings.rsaKeySize = flags.rsaSize;
  if (flags.curve) settings.curve = flags.curve;

  const generated = flags.generate ? generateAuthString() : undefined;
  const newString = generated ?? flags.authString;
  if (flags.authMode) settings.authMode = flags.authMode;
  else if (newString !== undefined) settings.authMode = 'auth-string';
  if (newString !== undefined) settings.authString = newString;
  if (settings.authMode !== 'auth-string') delete settings.authString;

  // A deadline belongs to one operation: a new operation starts without the old one unless --completes-by is given.
  if (flags.operation !== undefined && flags.completesBy === undefined) delete settings.completesBy;
  if (flags.completesBy !== undefined) settings.completesBy = flags.completesBy;
  if (flags.noDeadline) delete settings.completesBy;
  if (flags.completesBy !== undefined && settings.operation === 'none') {
    refuse('--completes-by is the deadline of an operation: add --operation install, delete or fetch');
  }
  if (settings.authMode === 'auth-string' && settings.operation !== 'none' && settings.authString === undefined) {
    refuse('--auth-mode auth-string needs the string the phone user will type: add --generate or --auth-string <string>', 'AUTH_STRING_REQUIRED');
  }
  return { settings, ...(generated ? { generated } : {}), notes: changeNotes(flags, existing, settings) };
}

/** What the flags did beyond the obvious, from the device before and after the change: one line each. */
export function changeNotes(flags: DeviceFlags, before: Pick<Device, 'authMode' | 'completesBy'> | undefined, after: Pick<Device, 'authMode' | 'completesBy'>): string[] {
  const notes: string[] = [];
  const stringFlag = flags.generate ? '--generate' : flags.authString !== undefined ? '--auth-string' : undefined;
  if (stringFlag && flags.authMode === undefined && (before?.authMode ?? 'null-string') !== 'auth-string' && after.authMode === 'auth-string') {
    notes.push(`auth mode set to auth-string (${stringFlag} gives the device an authentication string)`);
  }
  if (flags.operation !== undefined && flags.completesBy === undefined && before?.completesBy !== undefined && after.completesBy === undefined) {
    notes.push(`the earlier deadline ${before.completesBy} does not apply to the new operation (add --completes-by to set one)`);
  }
  return notes;
}

/** The change the admin API takes for these flags (checked first: conflicting flags are refused naming them). */
export function changeFromFlags(flags: DeviceFlags): DeviceChange {
  checkFlags(flags);
  return {
    ...(flags.operation ? { operation: flags.operation } : {}),
    ...(flags.authMode ? { authMode: flags.authMode } : flags.generate || flags.authString !== undefined ? { authMode: 'auth-string' as const } : {}),
    ...(flags.authString !== undefined ? { authString: flags.authString } : {}),
    ...(flags.generate ? { generateAuthString: true } : {}),
    ...(flags.keyOrder ? { keyOrder: flags.keyOrder } : {}),
    ...(flags.rsaSize ? { rsaKeySize: flags.rsaSize } : {}),
    ...(flags.curve ? { curve: flags.curve } : {}),
    ...(flags.completesBy !== undefined ? { completesBy: flags.completesBy } : flags.noDeadline ? { completesBy: null } : {}),
  };
}
