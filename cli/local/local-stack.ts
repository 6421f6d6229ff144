// The local embedded stack (`capf serve` / `npm start`): dynalite store on disk, CAPF CA key file, in-process signing
// through the same sign handler the Lambda runs, and the TLS listener: one machine, the same domain code as AWS. The
// issuer is picked through the registry (`--issuer`, default capf-software over the CA key file).
import type { SecureVersion } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { CapfLogger } from '../../shared/logging.ts';
import { issuerDescriptor, type IssuerKind } from '../../shared/issuers/registry.ts';
import type { AuditLog, Stores } from '../../shared/ports/index.ts';
import { CapfListener } from '../../listener/server.ts';
import { StoreSessionBackend } from '../../listener/store-backend.ts';
import { errorText } from '../../listener/session-driver.ts';
import { BatchedAuditRecorder, sessionEndEvent } from '../../listener/session-audit.ts';
import { loadOrCreateLocalCa, type LocalCa } from './ca-files.ts';
import { loadOrCreateAuthStringKey } from './auth-string-key.ts';
import { capfTrustAnchors } from '../../listener/capf-trust.ts';
import { localSignClient, watchLocalCa } from './local-ca-runtime.ts';
import { localAdmin } from './local-admin.ts';
import { importTrustFolder } from './trust-folder-import.ts';
import { createLocalIssuer, DEFAULT_LOCAL_ISSUER, localIssuerSettings, usesLocalBucket, type LocalIssuerChoice } from './local-issuer.ts';
import { openLocalStore } from './local-store.ts';
import { localMonitor } from './local-monitor.ts';
import { startMonitorTimer } from './monitor-timer.ts';
import { startLocalBulkTimer } from './bulk-timer.ts';
import { startLocalCsrBucket, type LocalCsrBucket } from './local-csr-bucket.ts';

export interface LocalStackOptions {
  dataDir: string;
  hosts: string[];
  port: number;
  logger: CapfLogger;
  caKeyType?: 'rsa' | 'ec';
  /** Which issuer signs, and its settings file (default: capf-software over the CA key file). */
  issuer?: LocalIssuerChoice;
  minTlsVersion?: SecureVersion;
  /** 'v2' when a load balancer sending PROXY protocol v2 stands in front (tests); default off. */
  proxyProtocol?: 'off' | 'v2';
  messageTimeoutMs?: number;
  keygenTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  maxSessions?: number;
  /** CIDR blocks of the phone networks: addresses inside get the larger per-address failure budget. */
  phoneNetworks?: readonly string[];
  /** How long the listener reuses a read of the service parameters (default 5 s; tests that change them use 0). */
  parametersCacheMs?: number;
  /** Where authentication failures and locks are recorded besides the log (the admin's audit store, tests). */
  audit?: AuditLog;
  /** Run the expiry monitor on a timer (cli/local/monitor-timer.ts): what `capf serve` does; off for tests and benches. */
  expiryMonitor?: boolean;
  /** The offline issuer's local bucket (s3rver) port; default a free one. */
  bucketPort?: number;
}

export interface LocalStack {
  store: Stores;
  listener: CapfListener;
  /** The sessions' audit recorder (batched; `flush` writes what it holds). */
  audit: BatchedAuditRecorder;
  addresses: AddressInfo[];
  ca: LocalCa;
  issuer: IssuerKind;
  storeEndpoint: string;
  /** The offline CA's CSR bucket (s3rver), with `--issuer offline` only. */
  csrBucket?: LocalCsrBucket;
  /** `<data>/auth-string.key`: what authentication strings are hashed with before they are stored. */
  authStringKey: Uint8Array;
  close(graceMs?: number): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const choice = options.issuer ?? DEFAULT_LOCAL_ISSUER;
  // The offline CA's bucket is the local s3rver unless a settings file names another.
  const offlineLocal = usesLocalBucket(choice);
  const settings = await localIssuerSettings(choice); // a bad settings file stops the start before anything is opened
  const first = await loadOrCreateLocalCa(options.dataDir, { keyType: options.caKeyType ?? 'rsa' });
  let ca: LocalCa = first;
  if (first.created) options.logger.info('generated the CAPF CA', { certificate: ca.certificatePath });
  const authKey = await loadOrCreateAuthStringKey(options.dataDir);
  if (authKey.created) options.logger.info('generated the authentication string key', { file: authKey.path });
  const local = await openLocalStore(options.dataDir, { advertise: true });
  const trustAnchors = capfTrustAnchors({ trust: local.store.trust, capfCertificates: () => [ca.certificateDer], logger: options.logger });
  let issuer;
  let csrBucket: LocalCsrBucket | undefined;
  let issuerExtra = {};
  try {
    if (choice.kind === 'offline') {
      csrBucket = await startLocalCsrBucket({
        dataDir: options.dataDir,
        stores: local.store,
        logger: options.logger,
        trustAnchors,
        audit: options.audit ?? local.store.audit,
        ...(options.bucketPort !== undefined ? { port: options.bucketPort } : {}),
      });
    }
    issuerExtra = { pendingCsrs: local.store.csrs, ...(offlineLocal && csrBucket ? { clients: { s3: csrBucket.s3 } } : {}) };
    issuer = await createLocalIssuer(choice.kind, settings, local.store.trust, ca, issuerExtra);
    await importTrustFolder(options.dataDir, localAdmin(options.dataDir, local.store).trust, options.logger);
  } catch (error) {
    await csrBucket?.close();
    await local.close();
    throw error;
  }
  let signClient = localSignClient(local.store, issuer, options.parametersCacheMs);
  const backend = new StoreSessionBackend({
    stores: local.store,
    signClient: { sign: (request) => signClient.sign(request) },
    trustAnchors,
    issuer: { name: choice.kind, keyDelivery: issuerDescriptor(choice.kind).keyDelivery },
    ...(options.parametersCacheMs !== undefined ? { parametersCacheMs: options.parametersCacheMs } : {}),
    authStringKey: authKey.key,
    // The local CAPF CA signs the LSCs (capf-software): what it signed is never a MIC.
    ownLscIssuers: () => [ca.certificateDer],
  });
  // Sessions' outcomes (and authentication failures unless the caller records them) go to the audit store in batches.
  const recorder = new BatchedAuditRecorder(local.store.audit, { logger: options.logger });
  const listener = new CapfListener({
    hosts: options.hosts,
    port: options.port,
    tls: ca,
    backend,
    logger: options.logger,
    onSessionEnd: (summary) => void recorder.record(sessionEndEvent(summary)),
    ...(options.minTlsVersion ? { minTlsVersion: options.minTlsVersion } : {}),
    ...(options.proxyProtocol ? { proxyProtocol: options.proxyProtocol } : {}),
    ...(options.messageTimeoutMs ? { messageTimeoutMs: options.messageTimeoutMs } : {}),
    ...(options.keygenTimeoutMs ? { keygenTimeoutMs: options.keygenTimeoutMs } : {}),
    ...(options.handshakeTimeoutMs ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
    ...(options.maxSessions ? { maxSessions: options.maxSessions } : {}),
    audit: options.audit ?? recorder,
    ...(options.phoneNetworks ? { phoneNetworks: options.phoneNetworks } : {}),
  });
  let addresses: AddressInfo[];
  try {
    addresses = await listener.start();
  } catch (error) {
    await csrBucket?.close();
    await local.close();
    throw error;
  }

  // F22/F4: a replaced capf-ca.pem/capf-ca.key applies without a restart (new connections, new LSCs).
  const stopWatching = watchLocalCa(options.dataDir, options.logger, () => ca, (next) => {
    createLocalIssuer(choice.kind, settings, local.store.trust, next, issuerExtra).then(
      (reloaded) => {
        ca = next;
        signClient = localSignClient(local.store, reloaded, options.parametersCacheMs);
        listener.reloadTls(next);
        options.logger.info('CAPF certificate reloaded', { certificate: next.certificatePath });
      },
      (error: unknown) => options.logger.warn('CAPF certificate not reloaded', { reason: errorText(error) }),
    );
  });

  const monitorTimer = options.expiryMonitor ? startMonitorTimer(() => localMonitor({ dataDir: options.dataDir, stores: local.store, ca }), options.logger) : undefined;
  // Due bulk jobs (issue 14) run here too, with the monitor's timers.
  const bulkTimer = options.expiryMonitor ? startLocalBulkTimer(options.dataDir, local.store, options.logger) : undefined;

  return {
    store: local.store,
    listener,
    audit: recorder,
    addresses,
    get ca() {
      return ca;
    },
    issuer: choice.kind,
    storeEndpoint: local.endpoint,
    ...(csrBucket ? { csrBucket } : {}),
    authStringKey: authKey.key,
    async close(graceMs = 5_000) {
      stopWatching();
      await monitorTimer?.stop();
      await bulkTimer?.stop();
      await listener.drain(graceMs);
      await recorder.flush();
      await csrBucket?.close();
      await local.close();
    },
  };
}
