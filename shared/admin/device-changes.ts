// What an administrator asks of a device, turned into the settings the store writes: defaults for a new device, a
// partial change merged onto the device as stored (so concurrent edits of different fields both survive), an
// authentication string set or generated (either puts the device in auth-string mode), a deadline in the future.
import { randomInt } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import type { AuthMode, CertificateOperation, Device, EcCurve, KeyOrder } from '../model.ts';
import type { DeviceSettings } from '../ports/index.ts';
import { normaliseIsoDate } from '../domain/validation.ts';

/** What a new device gets for every setting not given. */
export const DEFAULT_DEVICE_SETTINGS: Readonly<Omit<DeviceSettings, 'name'>> = Object.freeze({
  operation: 'none',
  authMode: 'null-string',
  keyOrder: 'rsa',
  rsaKeySize: 2048,
  curve: 'P-256',
});

/** Digits a generated authentication string has: typed on a phone keypad, like CUCM's. */
export const GENERATED_AUTH_STRING_DIGITS = 8;

/** A change of device settings; an absent field stays as stored. `completesBy: null` removes the deadline. */
export interface DeviceChange {
  operation?: CertificateOperation;
  authMode?: AuthMode;
  authString?: string;
  /** Generate a new authentication string (returned once, in the response that generated it). */
  generateAuthString?: boolean;
  keyOrder?: KeyOrder;
  rsaKeySize?: number;
  curve?: EcCurve;
  completesBy?: string | null;
}

export function generateAuthString(digits = GENERATED_AUTH_STRING_DIGITS): string {
  let out = '';
  for (let i = 0; i < digits; i++) out += String(randomInt(10));
  return out;
}

/** A deadline must lie ahead: a past one would make every later session fail with "no operation scheduled". */
export function checkDeadline(completesBy: string, now: Date): string {
  const normalised = normaliseIsoDate('completesBy', completesBy);
  if (Date.parse(normalised) <= now.getTime()) {
    throw new ValidationError(`completesBy ${normalised} is not in the future (now ${now.toISOString()})`, 'DEADLINE_PASSED');
  }
  return normalised;
}

/**
 * The settings after `change`, from the device as stored (or the defaults). Refuses an auth string both given and
 * generated, or one with a mode other than auth-string. Arming (a changed or renewed operation) without a deadline
 * clears the old one. `generated` is the string to hand back once.
 */
export function applyDeviceChange(
  name: string,
  current: Device | undefined,
  change: DeviceChange,
  options: { now: Date; arm: boolean; generated?: string },
): { settings: DeviceSettings; newOperation: boolean } {
  if (change.authString !== undefined && change.generateAuthString) {
    throw new ValidationError('give authString or generateAuthString, not both', 'CONFLICTING_AUTH_STRING');
  }
  const newString = options.generated ?? change.authString;
  if (newString !== undefined && change.authMode !== undefined && change.authMode !== 'auth-string') {
    throw new ValidationError(`an authentication string needs authMode auth-string, not ${change.authMode}`, 'CONFLICTING_AUTH_MODE');
  }
  const base: DeviceSettings = current ? storedSettings(current) : { name, ...DEFAULT_DEVICE_SETTINGS };
  const settings: DeviceSettings = { ...base };
  if (change.operation !== undefined) settings.operation = change.operation;
  if (change.authMode !== undefined) settings.authMode = change.authMode;
  if (change.keyOrder !== undefined) settings.keyOrder = change.keyOrder;
  if (change.rsaKeySize !== undefined) settings.rsaKeySize = change.rsaKeySize;
  if (change.curve !== undefined) settings.curve = change.curve;
  if (newString !== undefined) {
    settings.authString = newString;
    settings.authMode = 'auth-string';
  }
  const newOperation = options.arm || (current !== undefined && change.operation !== undefined && change.operation !== current.operation);
  if (change.completesBy === null) delete settings.completesBy;
  else if (change.completesBy !== undefined) settings.completesBy = checkDeadline(change.completesBy, options.now);
  else if (newOperation) delete settings.completesBy;
  if (settings.authMode !== 'auth-string') delete settings.authString;
  return { settings, newOperation };
}

function storedSettings(device: Device): DeviceSettings {
  const settings: DeviceSettings = {
    name: device.name,
    operation: device.operation,
    authMode: device.authMode,
    keyOrder: device.keyOrder,
    rsaKeySize: device.rsaKeySize,
    curve: device.curve,
  };
  if (device.authString !== undefined) settings.authString = device.authString;
  if (device.completesBy !== undefined) settings.completesBy = device.completesBy;
  return settings;
}
