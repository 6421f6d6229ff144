// The files an administrator names on the command line (a certificate, a chain, a key): read with a size bound, and a
// missing or oversized one is a one-line ValidationError naming the option (exit 1).
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../../shared/errors.ts';

/** Files an administrator hands us are a few KiB; anything far larger is not a certificate or key file. */
const MAX_INPUT_FILE_BYTES = 1_048_576;

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
