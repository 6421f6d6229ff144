// The Fargate container's entry point: the CAPF listener on 3804 with AWS adapters (DynamoDB store, sign Lambda,
// TLS material from Secrets Manager, CAPF-trust from the trust store), a health endpoint for the load balancer's target checks, and a
// graceful drain on SIGTERM (the NLB deregistration delay gives sessions the time to finish).
import 'reflect-metadata';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadListenerConfig } from '../shared/config/runtime-config.ts';
import { issuerDescriptor } from '../shared/issuers/registry.ts';
import { readAuthStringKey } from '../shared/issuers/auth-key-secret.ts';
import { createLogger } from '../shared/logging.ts';
import { LambdaSignClient } from '../shared/signing/sign-client.ts';
import { createDynamoStores } from '../shared/store/dynamo-stores.ts';
import { CapfListener } from './server.ts';
import { BatchedAuditRecorder, sessionEndEvent } from './session-audit.ts';
import { requestLimits } from '../shared/aws-limits.ts';
import { startHealthServer } from './health-server.ts';
import { SessionMetrics } from './session-metrics.ts';
import { StoreSessionBackend } from './store-backend.ts';
import { ListenerSecrets } from './tls-secrets.ts';
import { capfTrustAnchors } from './capf-trust.ts';
import { pemToDer } from '../shared/pki/certificate.ts';

const TLS_REFRESH_MS = 5 * 60_000;
/** A hung store call must not hold a session slot: DynamoDB answers in milliseconds, so 5 s per attempt is generous. */
const STORE_REQUEST_LIMITS = requestLimits(5_000);
/** The sign function may wait up to 20 s for a CA (PCA, AD CS); its own timeout is 30 s. */
const SIGN_REQUEST_LIMITS = requestLimits(35_000);

async function main(): Promise<void> {
  const logger = createLogger('capf-listener');
  const config = loadListenerConfig();
  const secretsClient = new SecretsManagerClient({});
  const secrets = await ListenerSecrets.load(secretsClient, config.tlsSecretId);
  // Authentication strings are stored as HMACs under this key; without it a device in auth-string mode is refused.
  const authStringKey = config.authKeySecretId ? await readAuthStringKey(secretsClient, config.authKeySecretId) : undefined;
  if (!authStringKey) logger.warn('no CAPF_AUTH_KEY_SECRET_ARN: devices in auth-string mode will be refused');
  const stores = createDynamoStores({ client: new DynamoDBClient({ maxAttempts: 3, requestHandler: STORE_REQUEST_LIMITS, cacheMiddleware: true }), tableName: config.tableName });
  const backend = new StoreSessionBackend({
    stores,
    signClient: new LambdaSignClient(new LambdaClient({ maxAttempts: 1, requestHandler: SIGN_REQUEST_LIMITS }), config.signFunction),
    // CAPF-trust: the CAPF certificate plus the trust store's CAPF-trust entries (capf trust add), cached 5 s.
    trustAnchors: capfTrustAnchors({ trust: stores.trust, capfCertificates: () => [pemToDer(secrets.tls.certificatePem)], logger }),
    issuer: { name: config.issuer, keyDelivery: issuerDescriptor(config.issuer).keyDelivery },
    ...(authStringKey ? { authStringKey } : {}),
    // The CAPF certificate is in CAPF-trust always: what it signed is a CAPF certificate, never a MIC.
    ownLscIssuers: () => [pemToDer(secrets.tls.certificatePem)],
  });
  const metrics = new SessionMetrics();
  // Sessions' outcomes and authentication failures: audit events written in batches (BatchWriteItem), flushed at drain.
  const audit = new BatchedAuditRecorder(stores.audit, { logger });
  const listener = new CapfListener({
    hosts: [config.host],
    port: config.port,
    tls: secrets.tls,
    backend,
    logger,
    maxSessions: config.maxSessions,
    onSessionEnd: (summary) => {
      metrics.record(summary);
      void audit.record(sessionEndEvent(summary));
    },
    audit,
    proxyProtocol: config.proxyProtocol,
    phoneNetworks: config.phoneNetworks,
    ...(config.minTlsVersion ? { minTlsVersion: config.minTlsVersion } : {}),
  });
  const flushMetrics = setInterval(() => metrics.flush(), 60_000);
  await listener.start();
  logger.info('listening', { host: config.host, port: config.port, issuer: config.issuer, proxyProtocol: config.proxyProtocol, phoneNetworks: config.phoneNetworks.length });

  // F22: a rotated CAPF certificate applies without restarting the task (CAPF-trust changes within its 5 s cache).
  const refresh = setInterval(() => void secrets.refresh((next) => listener.reloadTls(next), logger), TLS_REFRESH_MS);

  const health = startHealthServer(config.healthPort, '::', config.proxyProtocol, (request, response) => {
    const ok = request.url === '/health';
    response.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    response.end(ok ? JSON.stringify({ status: 'ok', ...listener.stats }) : '{}');
  });

  process.once('SIGTERM', () => {
    logger.info('SIGTERM: draining sessions');
    clearInterval(refresh);
    clearInterval(flushMetrics);
    listener
      .drain(config.drainMs)
      .then(() => audit.flush())
      .finally(() => {
        metrics.flush();
        health.close();
        process.exit(0);
      });
  });
}

main().catch((error: Error) => {
  process.stderr.write(`capf listener failed to start: ${error.message}\n`);
  process.exit(1);
});
