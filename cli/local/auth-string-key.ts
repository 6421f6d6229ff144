// The local stack's key for authentication strings: `<data>/auth-string.key` (mode 0600, next to capf-ca.key), made
// at first use by `capf serve` or `capf device set`, whichever comes first. It holds 64 random hex characters; the key
// is that text (as the AWS secret's text is there). Losing it makes every stored string useless: re-set them.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkAuthStringKey } from '../../shared/domain/auth-string.ts';
import { ConfigError } from '../../shared/errors.ts';

export const AUTH_STRING_KEY_FILE = 'auth-string.key';

export interface AuthStringKey {
  key: Uint8Array;
  path: string;
  created: boolean;
}

/** Reads the key file, creating it first when it does not exist (two processes racing both end up with the same key). */
export async function loadOrCreateAuthStringKey(dataDir: string): Promise<AuthStringKey> {
  const path = join(dataDir, AUTH_STRING_KEY_FILE);
  let created = false;
  await mkdir(dataDir, { recursive: true });
  try {
    await writeFile(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const text = (await readFile(path, 'utf8')).trim();
  try {
    return { key: checkAuthStringKey(Buffer.from(text, 'utf8')), path, created };
  } catch {
    throw new ConfigError(`${path} does not hold an authentication string key (32 to 1024 characters); restore it from a backup, or delete it and set every device's string again`, 'AUTH_STRING_KEY');
  }
}
