// Device names as CUCM accepts them for the device classes that enrol with CAPF: hardware phones are `SEP` + the
// MAC address (12 hex digits); Jabber and other software clients are a class prefix (CSF desktop, BOT Android, TCT
// iPhone, TAB tablet) + up to 12 of A-Z 0-9 . _ -. CUCM stores both in upper case (it upper-cases what an
// administrator types), so `sep001122334455` and `SEP001122334455` are one device: the admin side normalises here
// before any lookup or write. What phones present on the wire is checked by model.ts's looser pattern.
import { ValidationError } from '../errors.ts';
import { describeValue } from './validation.ts';

/** Longest device name CUCM accepts. */
export const MAX_DEVICE_NAME_LENGTH = 15;
/** Software-client classes CUCM names by prefix. */
export const SOFTPHONE_PREFIXES = ['CSF', 'BOT', 'TCT', 'TAB'] as const;

const PHONE = /^SEP[0-9A-F]{12}$/;
const SOFTPHONE = new RegExp(`^(${SOFTPHONE_PREFIXES.join('|')})[A-Z0-9._-]{1,12}$`);

/** What a valid name looks like, for error messages and help texts. */
export const DEVICE_NAME_RULE =
  `a phone is SEP + its MAC address as 12 hex digits (SEP001122334455); a software client is ${SOFTPHONE_PREFIXES.join(', ')} + ` +
  `1 to 12 of A-Z 0-9 . _ - (CSFJSMITH); at most ${MAX_DEVICE_NAME_LENGTH} characters`;

/**
 * The canonical (upper-case) form of a device name an administrator typed, or ValidationError INVALID_DEVICE_NAME
 * saying what a valid name looks like. The length is checked before anything else is done with the value.
 */
export function normaliseDeviceName(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_DEVICE_NAME_LENGTH) throw invalid(input);
  if (!/^[A-Za-z0-9._-]+$/.test(input)) throw invalid(input); // before upper-casing: 'ß' would become 'SS'
  const name = input.toUpperCase();
  if (!PHONE.test(name) && !SOFTPHONE.test(name)) throw invalid(input);
  return name;
}

export function isCucmDeviceName(input: string): boolean {
  return input.length <= MAX_DEVICE_NAME_LENGTH && (PHONE.test(input) || SOFTPHONE.test(input));
}

function invalid(input: unknown): ValidationError {
  const tooLong = typeof input === 'string' && input.length > MAX_DEVICE_NAME_LENGTH ? ` (${input.length} characters)` : '';
  return new ValidationError(`device name ${describeValue(input)}${tooLong} is not valid: ${DEVICE_NAME_RULE}`, 'INVALID_DEVICE_NAME');
}
