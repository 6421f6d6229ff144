// The expiry monitor of the local stack (F19): the outbox notifiers (<data>/outbox/: .eml per email, .json per topic
// message), the digest to capf-admin@localhost while no recipient is configured, the CAPF CA key file signing the CRL
// written to <data>/capf.crl (DER; `openssl crl -inform DER -in capf.crl`).
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExpiryMonitor } from '../../shared/monitor-service/run.ts';
import { OutboxEmailNotifier, OutboxTopicNotifier } from '../../shared/notify/index.ts';
import { createSoftwareSigner } from '../../shared/pki/index.ts';
import type { Stores } from '../../shared/ports/index.ts';
import type { LocalCa } from './ca-files.ts';

export const LOCAL_CRL_FILE = 'capf.crl';
export const LOCAL_DIGEST_RECIPIENT = 'capf-admin@localhost';

export interface LocalMonitorOptions {
  dataDir: string;
  stores: Stores;
  ca: LocalCa;
  now?: () => Date;
}

/** Writes the CRL under a temporary name and renames it, so a reader never sees half a file. */
export async function writeLocalCrl(dataDir: string, crlDer: Uint8Array): Promise<string> {
  const path = join(dataDir, LOCAL_CRL_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, crlDer);
  await rename(temporary, path);
  return path;
}

export function localMonitor(options: LocalMonitorOptions): ExpiryMonitor {
  const clock = options.now;
  return new ExpiryMonitor({
    stores: options.stores,
    notifiers: [new OutboxEmailNotifier({ dataDir: options.dataDir, ...(clock ? { clock } : {}) }), new OutboxTopicNotifier({ dataDir: options.dataDir, ...(clock ? { clock } : {}) })],
    fallbackRecipients: [LOCAL_DIGEST_RECIPIENT],
    clusterName: 'local',
    ca: { certificateDer: options.ca.certificateDer, signer: createSoftwareSigner(options.ca.privateKey) },
    crlSink: { publish: (crlDer) => writeLocalCrl(options.dataDir, crlDer) },
    ...(clock ? { now: clock } : {}),
  });
}
