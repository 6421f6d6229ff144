// How the trust and CA commands run: on the data folder's store through the admin service (cli/local/local-admin.ts),
// printing one line per failure with its code and the documented exit code (0 ok, 1 refused or invalid, 2 not found,
// 3 the store could not be reached).
import { readFile } from 'node:fs/promises';
import { CapfError, ConflictError, NotFoundError, StoreError, ValidationError } from '../shared/errors.ts';
import type { LocalAdmin } from './local/local-admin.ts';
import { defaultDataDir } from './options.ts';

/** Files an administrator hands us are a few KiB; anything far larger is not a certificate or key file. */
const MAX_INPUT_FILE_BYTES = 1_048_576;

export function exitCodeFor(error: CapfError): number {
  if (error instanceof NotFoundError) return 2;
  if (error instanceof StoreError && !(error instanceof ConflictError)) return 3;
  return 1;
}

/** Runs `work` over the data folder's admin services; a CapfError becomes `capf: CODE: message` and its exit code. */
export async function runAdmin(dataDir: string | undefined, work: (admin: LocalAdmin) => Promise<void>): Promise<void> {
  try {
    const [{ openLocalStore }, { localAdmin }] = await Promise.all([import('./local/local-store.ts'), import('./local/local-admin.ts')]);
    const folder = dataDir ?? defaultDataDir();
    const local = await openLocalStore(folder);
    try {
      await work(localAdmin(folder, local.store));
    } finally {
      await local.close();
    }
  } catch (error) {
    if (!(error instanceof CapfError)) throw error;
    process.stderr.write(`capf: ${error.code}: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exitCode = exitCodeFor(error);
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

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Rows as a table with a header: columns as wide as their widest cell, the last one free. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
