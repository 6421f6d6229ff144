// The local embedded stack (`capf serve` / `npm start`): dynalite store on disk, CAPF CA key file, in-process signing
// through the same sign handler the Lambda runs, and the TLS listener: one machine, the same domain code as AWS.
import type { SecureVersion } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { CapfLogger } from '../../shared/logging.ts';
import type { CapfStore } from '../../shared/store/types.ts';
import { CapfListener } from '../../listener/server.ts';
import { StoreSessionBackend } from '../../listener/store-backend.ts';
import { loadOrCreateLocalCa, type LocalCa } from './ca-files.ts';
import { cachedLocalTrust, localSignClient, watchLocalCa } from './local-ca-runtime.ts';
import { openLocalStore } from './local-store.ts';

export interface LocalStackOptions {
  dataDir: string;
  hosts: string[];
  port: number;
  logger: CapfLogger;
  caKeyType?: 'rsa' | 'ec';
  minTlsVersion?: SecureVersion;
  /** 'v2' when a load balancer sending PROXY protocol v2 stands in front (tests); default off. */
  proxyProtocol?: 'off' | 'v2';
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
  const first = await loadOrCreateLocalCa(options.dataDir, { keyType: options.caKeyType ?? 'rsa' });
  let ca: LocalCa = first;
  if (first.created) options.logger.info('generated the CAPF CA', { certificate: ca.certificatePath });
  const local = await openLocalStore(options.dataDir, { advertise: true });
  let signClient = localSignClient(local.store, ca);
  const backend = new StoreSessionBackend({
    store: local.store,
    signClient: { sign: (request) => signClient.sign(request) },
    trustAnchors: cachedLocalTrust(options.dataDir, () => ca),
    issuer: { name: 'capf-software', keyDelivery: 'public-key' },
  });
  const listener = new CapfListener({
    hosts: options.hosts,
    port: options.port,
    tls: ca,
    backend,
    logger: options.logger,
    ...(options.minTlsVersion ? { minTlsVersion: options.minTlsVersion } : {}),
    ...(options.proxyProtocol ? { proxyProtocol: options.proxyProtocol } : {}),
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
  const stopWatching = watchLocalCa(options.dataDir, options.logger, () => ca, (next) => {
    ca = next;
    signClient = localSignClient(local.store, next);
    listener.reloadTls(next);
    options.logger.info('CAPF certificate reloaded', { certificate: next.certificatePath });
  });

  return {
    store: local.store,
    listener,
    addresses,
    get ca() {
      return ca;
    },
    storeEndpoint: local.endpoint,
    async close(graceMs = 5_000) {
      stopWatching();
      await listener.drain(graceMs);
      await local.close();
    },
  };
}
