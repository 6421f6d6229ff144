// `<data>/capf-trust/`: before CAPF-trust lived in the store, the local stack trusted every PEM file of this folder.
// At each start the files still there are imported into CAPF-trust through the admin service (the same rules as
// `capf trust add`: scenarios, refusals, audit) and renamed `<file>.imported`, so an entry removed later does not come
// back. A refused file stays as it was and the log says why.
import { readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../shared/errors.ts';
import type { TrustAdmin } from '../../shared/admin/trust.ts';
import type { CapfLogger } from '../../shared/logging.ts';

export const TRUST_FOLDER = 'capf-trust';
const MAX_FILES = 200;
const MAX_FILE_BYTES = 1_048_576;

export interface FolderImport {
  imported: string[];
  refused: { file: string; reason: string }[];
}

export async function importTrustFolder(dataDir: string, trust: TrustAdmin, logger: CapfLogger): Promise<FolderImport> {
  const folder = join(dataDir, TRUST_FOLDER);
  const result: FolderImport = { imported: [], refused: [] };
  let names: string[];
  try {
    names = (await readdir(folder)).filter((name) => name.endsWith('.pem')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  for (const name of names.slice(0, MAX_FILES)) {
    const path = join(folder, name);
    try {
      if ((await stat(path)).size > MAX_FILE_BYTES) throw new ValidationError(`over ${MAX_FILE_BYTES} bytes`, 'TOO_LARGE');
      const added = await trust.add({ actor: 'system:import' }, await readFile(path, 'utf8'), { store: 'capf', description: `imported from ${TRUST_FOLDER}/${name}` });
      await rename(path, `${path}.imported`);
      result.imported.push(name);
      logger.info('imported into CAPF-trust', { file: path, added: added.added.length, existing: added.existing.length });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      result.refused.push({ file: name, reason: error.message });
      logger.warn('not imported into CAPF-trust', { file: path, reason: error.message });
    }
  }
  return result;
}
