// The data folder before a command uses it: a file in its place, a folder that cannot be created or written are
// one-line ConfigErrors saying what to do (exit 1), and a folder this command creates is announced on stderr.
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { ConfigError } from '../shared/errors.ts';

export async function prepareDataDir(dataDir: string, say: ((line: string) => void) | undefined = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  let existing;
  try {
    existing = await stat(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw notUsable(dataDir, error);
  }
  if (existing && !existing.isDirectory()) {
    throw new ConfigError(`data folder ${dataDir} is a file, not a folder: pass --data with a folder (or set CAPF_DATA_DIR), or move the file away`, 'DATA_DIR_NOT_FOLDER');
  }
  if (!existing) {
    try {
      await mkdir(dataDir, { recursive: true });
    } catch (error) {
      throw notUsable(dataDir, error);
    }
    say?.(`capf: created the data folder ${dataDir} (no .capf folder here or above; pass --data or set CAPF_DATA_DIR to use another)`);
    return;
  }
  try {
    await access(dataDir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw notUsable(dataDir, error);
  }
}

function notUsable(dataDir: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'is not writable' : code === 'ENOTDIR' ? 'has a file where a folder should be' : `cannot be used (${code})`;
  return new ConfigError(`data folder ${dataDir} ${why}: pass --data with a folder you can write (or set CAPF_DATA_DIR)`, 'DATA_DIR_NOT_WRITABLE');
}
