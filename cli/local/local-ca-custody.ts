// The local stack's CapfCaCustody: `capf-ca.pem` and `capf-ca.key` in the data folder. A replacement writes each file
// to a temporary name and renames it into place (key first, mode 0600), under a lock file so two replacements do not
// interleave; a running `capf serve` (and every cluster worker) sees the rename and reloads (watchLocalCa).
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError } from '../../shared/errors.ts';
import type { CapfCaCustody, CapfCaReplacement } from '../../shared/ports/index.ts';
import { pemToDer } from '../../shared/pki/index.ts';
import { CA_CERTIFICATE_FILE, CA_KEY_FILE, loadOrCreateLocalCa } from './ca-files.ts';

const LOCK_FILE = 'capf-ca.lock';
/** A lock older than this was left by a process that died while replacing. */
const STALE_LOCK_MS = 30_000;

export class LocalCaCustody implements CapfCaCustody {
  readonly where: string;

  constructor(private readonly dataDir: string) {
    this.where = join(dataDir, CA_CERTIFICATE_FILE);
  }

  /** The certificate; a data folder without a CA gets one, as `capf serve` would at its first start. */
  async certificate(): Promise<string> {
    return (await loadOrCreateLocalCa(this.dataDir)).certificatePem;
  }

  async replace(material: CapfCaReplacement, expectedCertificatePem: string): Promise<void> {
    const release = await this.lock();
    try {
      const current = await readFile(this.where, 'utf8');
      if (!Buffer.from(pemToDer(current)).equals(Buffer.from(pemToDer(expectedCertificatePem)))) {
        throw new ConflictError(`${this.where} was replaced meanwhile; run the command again`);
      }
      await this.writeInPlace(CA_KEY_FILE, material.privateKeyPem, 0o600);
      await this.writeInPlace(CA_CERTIFICATE_FILE, material.certificatePem, 0o644);
    } finally {
      await release();
    }
  }

  private async writeInPlace(name: string, text: string, mode: number): Promise<void> {
    const temporary = join(this.dataDir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(temporary, text, { mode, flag: 'wx' });
    await chmod(temporary, mode);
    await rename(temporary, join(this.dataDir, name));
  }

  private async lock(): Promise<() => Promise<void>> {
    const path = join(this.dataDir, LOCK_FILE);
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(path, 'wx', 0o600);
        await handle.close();
        return () => rm(path, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
          throw new ConflictError(`another replacement of the CAPF certificate is running (${path}); try again in a moment`);
        }
        const age = Date.now() - (await stat(path)).mtimeMs;
        if (age < STALE_LOCK_MS) throw new ConflictError(`another replacement of the CAPF certificate is running (${path}); try again in a moment`);
        await rm(path, { force: true });
      }
    }
  }
}
