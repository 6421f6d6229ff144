// How the data-folder-only admin commands (`capf csr`, `capf stale-lsc`, `capf cert import`) run: on the data folder's
// store through the admin services (cli/local/local-admin.ts), printing one line per failure with its code and the
// documented exit code (cli/exit-codes.ts). Also the bounded reading of the files an administrator names.
import { readFile } from 'node:fs/promises';
import { CapfError, ValidationError } from '../shared/errors.ts';
import { prepareDataDir } from './data-folder.ts';
import { errorLine, exitCodeOf } from './exit-codes.ts';
import type { LocalAdmin } from './local/local-admin.ts';
import { defaultDataDir } from './options.ts';

export { printJson, table } from './admin/table.ts';

/** Files an administrator hands us are a few KiB; anything far larger is not a certificate or key file. */
const MAX_INPUT_FILE_BYTES = 1_048_576;

/** Runs `work` over the data folder's admin services; a CapfError becomes `capf: CODE: message` and its exit code. */
export async function runAdmin(dataDir: string | undefined, work: (admin: LocalAdmin) => Promise<void>): Promise<void> {
  try {
    const [{ openLocalStore }, { localAdmin }] = await Promise.all([import('./local/local-store.ts'), import('./local/local-admin.ts')]);
    const folder = dataDir ?? defaultDataDir();
    await prepareDataDir(folder);
    const local = await openLocalStore(folder);
    try {
      await work(localAdmin(folder, local.store));
    } finally {
      await local.close();
    }
  } catch (error) {
    if (!(error instanceof CapfError)) throw error;
    process.stderr.write(`${errorLine(error)}\n`);
    process.exitCode = exitCodeOf(error);
  }
}

/** Reads a file an administrator names; a missing or oversized one is a ValidationError naming the option. */
export async function readInputFile(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'FILE_UNREADABLE');
  }
  if (text.length > MAX_INPUT_FILE_BYTES) throw new ValidationError(`${what} ${path} is over ${MAX_INPUT_FILE_BYTES} bytes`, 'FILE_TOO_LARGE');
  return text;
}
