// The local embedded stack (`capf serve` / `npm start`): dynalite store on disk, CAPF CA key file, in-process signing
// through the same sign handler the Lambda runs, and the TLS listener: one machine, the same domain code as AWS.
import type { SecureVersion } from 'node:tls';
import { watch, type FSWatcher } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createSoftwareSigner } from '../../shared/pki/index.ts';
import { CapfCaIssuer } from '../../shared/issuers/capf-ca/capf-ca-issuer.ts';
import { SignService } from '../../shared/signing/sign-service.ts';
import { InProcessSignClient } from '../../shared/signing/sign-client.ts';
import type { CapfLogger } from '../../shared/logging.ts';
import type { CapfStore } from '../../shared/store/types.ts';
import { CapfListener } from '../../listener/server.ts';
import { StoreSessionBackend } from '../../listener/store-backend.ts';
import { loadOrCreateLocalCa, readLocalTrust, type LocalCa } from './ca-files.ts';
import { openLocalStore } from './local-store.ts';

export interface LocalStackOptions {
  dataDir: string;
  hosts: string[];
  port: number;
  logger: CapfLogger;
  caKeyType?: 'rsa' | 'ec';
  minTlsVersion?: SecureVersion;
  messageTimeoutMs?: number;
  keygenTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  maxSessions?: number;
}

export interface LocalStack {
  store: CapfStore;
  listener: CapfListener;
  addresses: AddressInfo[];
  ca: LocalCa;
  storeEndpoint: string;
  close(graceMs?: number): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  let ca = await loadOrCreateLocalCa(options.dataDir, { keyType: options.caKeyType ?? 'rsa' });
  if (ca.created) options.logger.info('generated the CAPF CA', { certificate: ca.certificatePath });
  const local = await openLocalStore(options.dataDir, { advertise: true });
  const makeSignClient = (current: LocalCa) => {
    const issuer = new CapfCaIssuer({ name: 'capf-software', certificateDer: current.certificateDer, signer: createSoftwareSigner(current.privateKey) });
    return new InProcessSignClient(new SignService({ store: local.store, issuer }));
  };
  let signClient = makeSignClient(ca);
  const backend = new StoreSessionBackend({
    store: local.store,
    signClient: { sign: (request) => signClient.sign(request) },
    trustAnchors: () => readLocalTrust(options.dataDir, ca),
    issuer: { name: 'capf-software', keyDelivery: 'public-key' },
  });
  const listener = new CapfListener({
    hosts: options.hosts,
    port: options.port,
    tls: ca,
    backend,
    logger: options.logger,
    ...(options.minTlsVersion ? { minTlsVersion: options.minTlsVersion } : {}),
    ...(options.messageTimeoutMs ? { messageTimeoutMs: options.messageTimeoutMs } : {}),
    ...(options.keygenTimeoutMs ? { keygenTimeoutMs: options.keygenTimeoutMs } : {}),
    ...(options.handshakeTimeoutMs ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
    ...(options.maxSessions ? { maxSessions: options.maxSessions } : {}),
  });
  let addresses: AddressInfo[];
  try {
    addresses = await listener.start();
  } catch (error) {
    await local.close();
    throw error;
  }

  // F22/F4: a replaced capf-ca.pem/capf-ca.key applies without a restart (new connections, new LSCs).
  let watcher: FSWatcher | undefined;
  let reloadTimer: NodeJS.Timeout | undefined;
  try {
    watcher = watch(options.dataDir, (_event, file) => {
      if (file !== 'capf-ca.pem' && file !== 'capf-ca.key') return;
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => {
        loadOrCreateLocalCa(options.dataDir).then(
          (next) => {
            if (Buffer.compare(Buffer.from(next.certificateDer), Buffer.from(ca.certificateDer)) === 0) return;
            ca = next;
            signClient = makeSignClient(next);
            listener.reloadTls(next);
            options.logger.info('CAPF certificate reloaded', { certificate: next.certificatePath });
          },
          (error: Error) => options.logger.warn('CAPF certificate not reloaded', { reason: error.message }),
        );
      }, 200);
    });
  } catch {
    watcher = undefined;
  }

  return {
    store: local.store,
    listener,
    addresses,
    get ca() {
      return ca;
    },
    storeEndpoint: local.endpoint,
    async close(graceMs = 5_000) {
      watcher?.close();
      clearTimeout(reloadTimer);
      await listener.drain(graceMs);
      await local.close();
    },
  };
}
