// What every local listener process does with the CAPF CA files and its issuer: signs in-process through the sign
// service and follows a replaced certificate (F4, F22). CAPF-trust comes from the store (listener/capf-trust.ts).
import { watch, type FSWatcher } from 'node:fs';
import type { CapfLogger } from '../../shared/logging.ts';
import type { Issuer, Stores } from '../../shared/ports/index.ts';
import type { SignClient } from '../../shared/signing/sign-client.ts';
import { SignService } from '../../shared/signing/sign-service.ts';
import { InProcessSignClient } from '../../functions/sign/in-process-client.ts';
import { CA_CERTIFICATE_FILE, CA_KEY_FILE, loadLocalCa, type LocalCa } from './ca-files.ts';

/** The sign handler in this process, over the stack's issuer. */
/** `parametersCacheMs`: how long the sign service reuses a read of the parameters (the listener's setting, passed on). */
export function localSignClient(stores: Stores, issuer: Issuer, parametersCacheMs?: number): SignClient {
  return new InProcessSignClient(new SignService({ stores, issuer, ...(parametersCacheMs !== undefined ? { parametersCacheMs } : {}) }));
}

/**
 * Calls `onChange` with the new CA when `capf-ca.pem`/`capf-ca.key` are replaced (debounced: the two files are
 * written one after the other). Returns the stop function; a platform without fs.watch gets no reload.
 */
export function watchLocalCa(dataDir: string, logger: CapfLogger, current: () => LocalCa, onChange: (next: LocalCa) => void): () => void {
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    watcher = watch(dataDir, (_event, file) => {
      if (file !== CA_CERTIFICATE_FILE && file !== CA_KEY_FILE) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        loadLocalCa(dataDir).then(
          (next) => {
            if (Buffer.compare(Buffer.from(next.certificateDer), Buffer.from(current().certificateDer)) !== 0) onChange(next);
          },
          (error: Error) => logger.warn('CAPF certificate not reloaded', { reason: error.message }),
        );
      }, 200);
    });
  } catch {
    watcher = undefined;
  }
  return () => {
    watcher?.close();
    clearTimeout(timer);
  };
}
