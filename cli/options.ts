// Option parsing shared by the commands: the data folder and small validators with clear messages.
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';

/** The data folder's name, looked for in the working folder and each folder above it. */
export const DATA_FOLDER_NAME = '.capf';

/**
 * $CAPF_DATA_DIR, else the nearest `.capf` folder in the working folder or above it (as git finds `.git`), else
 * `./.capf` (which does not exist yet: see dataDirIsNew).
 */
export function defaultDataDir(cwd: string = process.cwd()): string {
  if (process.env.CAPF_DATA_DIR) return resolve(process.env.CAPF_DATA_DIR);
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    if (isFolder(join(folder, DATA_FOLDER_NAME))) return join(folder, DATA_FOLDER_NAME);
    if (dirname(folder) === folder) return resolve(cwd, DATA_FOLDER_NAME);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True when the folder does not exist yet (a command is about to create it: it says so). */
export function dataDirIsNew(dataDir: string): boolean {
  try {
    statSync(dataDir);
    return false;
  } catch {
    return true;
  }
}

/** host:port, with an IPv6 address in brackets: `[::1]:3804`. */
export function hostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}`);
    return value as T;
  };
}

/** One of the listed numbers, written exactly as listed (no `02048`, `0x800` or `2048.0`). */
export function oneOfNumbers(allowed: readonly number[]): (value: string) => number {
  return (value) => {
    const n = allowed.find((candidate) => String(candidate) === value);
    if (n === undefined) throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}`);
    return n;
  };
}

export function integer(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

export function onOff(value: string): boolean {
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new InvalidArgumentError('must be on or off');
}

/** A future ISO date, or a span from now: `7d`, `12h`, `30m`. A moment already past is refused. */
export function deadline(value: string, now: Date = new Date()): string {
  const span = /^(\d{1,5})([dhm])$/.exec(value);
  if (span) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[span[2] as 'd' | 'h' | 'm'];
    if (Number(span[1]) === 0) throw new InvalidArgumentError('must be a span of at least 1 (7d, 12h, 30m)');
    return new Date(now.getTime() + Number(span[1]) * unit).toISOString();
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new InvalidArgumentError('must be an ISO date (2026-12-31T18:00:00Z) or a span like 7d, 12h, 30m');
  if (parsed <= now.getTime()) {
    throw new InvalidArgumentError(`${new Date(parsed).toISOString()} is in the past (now ${now.toISOString()}): give a later date or a span like 7d`);
  }
  return new Date(parsed).toISOString();
}

/** A span back from now (`24h`, `7d`, `30m`) or an ISO date: the moment as ISO text. */
export function since(value: string, now: Date = new Date()): string {
  const span = /^(\d{1,5})([dhm])$/.exec(value);
  if (span) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[span[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - Number(span[1]) * unit).toISOString();
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new InvalidArgumentError('must be a span back from now like 24h, 7d, 30m or an ISO date (2026-12-31T18:00:00Z)');
  return new Date(parsed).toISOString();
}

/** A comma-separated list of email addresses (checked by the parameters' rules); `none` is the empty list. */
export function emailList(value: string): string[] {
  if (value.trim() === 'none') return [];
  const list = value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  if (list.length === 0) throw new InvalidArgumentError('must be email addresses separated by commas, or none');
  return list;
}

/** A decimal fraction such as 0.66 (the caller's rules check its bounds). */
export function fraction(value: string): number {
  if (!/^(0|1)?\.\d{1,6}$|^[01]$/.test(value)) throw new InvalidArgumentError('must be a decimal fraction such as 0.66');
  return Number(value);
}
