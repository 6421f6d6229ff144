// The Fargate container's entry point: the CAPF listener on 3804 with AWS adapters (DynamoDB store, sign Lambda,
// TLS material and CAPF-trust from Secrets Manager), a health endpoint for the load balancer's target checks, and a
// graceful drain on SIGTERM (the NLB deregistration delay gives sessions the time to finish).
import 'reflect-metadata';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer } from 'node:http';
import * as z from 'zod';
import { issuerKeyDelivery, loadListenerConfig } from '../shared/config/index.ts';
import { ConfigError } from '../shared/errors.ts';
import { createLogger } from '../shared/logging.ts';
import { ensureSoftwareCaSecret } from '../shared/issuers/capf-ca/index.ts';
import { derToPem, pemToDer, splitPemChain } from '../shared/pki/index.ts';
import { LambdaSignClient } from '../shared/signing/sign-client.ts';
import { DynamoCapfStore } from '../shared/store/dynamo-store.ts';
import { CapfListener, type TlsMaterial } from './server.ts';
import { SessionMetrics } from './session-metrics.ts';
import { StoreSessionBackend } from './store-backend.ts';

const tlsSecretSchema = z.object({ certificatePem: z.string().min(1).max(16_384), privateKeyPem: z.string().min(1).max(16_384) });
const TLS_REFRESH_MS = 5 * 60_000;
/** A hung store call must not hold a session slot: DynamoDB answers in milliseconds, so 5 s per attempt is generous. */
const STORE_REQUEST_LIMITS = { connectionTimeout: 2_000, requestTimeout: 5_000 };
/** The sign function may wait up to 20 s for a CA (PCA, AD CS); its own timeout is 30 s. */
const SIGN_REQUEST_LIMITS = { connectionTimeout: 2_000, requestTimeout: 35_000 };

async function readSecret(client: SecretsManagerClient, secretId: string): Promise<string> {
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!answer.SecretString) throw new ConfigError(`secret ${secretId} holds no text`, 'SECRET');
  return answer.SecretString;
}

async function readTls(client: SecretsManagerClient, secretId: string): Promise<TlsMaterial> {
  const parsed = tlsSecretSchema.safeParse(JSON.parse(await readSecret(client, secretId)));
  if (!parsed.success) throw new ConfigError(`secret ${secretId} must hold {"certificatePem","privateKeyPem"}`, 'SECRET');
  return parsed.data;
}

/** First start: the deployment creates the TLS secret as `{}`; the first task to start fills it with a new CAPF certificate. */
async function firstTls(client: SecretsManagerClient, secretId: string): Promise<TlsMaterial> {
  const material = await ensureSoftwareCaSecret(client, secretId);
  const privateKey = material.signer.privateKey;
  if (!privateKey) throw new ConfigError(`secret ${secretId} holds no software key for TLS`, 'SECRET');
  return { certificatePem: derToPem(material.certificateDer), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** CAPF-trust beyond the CAPF certificate: a PEM bundle (Cisco MIC roots...); an empty or `{}` placeholder means none. */
async function readTrust(client: SecretsManagerClient, secretId: string | undefined): Promise<Uint8Array[]> {
  if (!secretId) return [];
  const text = (await readSecret(client, secretId)).trim();
  return text === '' || text === '{}' ? [] : splitPemChain(text);
}

async function main(): Promise<void> {
  const logger = createLogger('capf-listener');
  const config = loadListenerConfig();
  const { tlsSecretId, trustSecretId } = config; // trust: optional PEM bundle of Cisco MIC roots and other CAPF-trust CAs

  const secrets = new SecretsManagerClient({});
  let tls = await firstTls(secrets, tlsSecretId);
  let trust: Uint8Array[] = [pemToDer(tls.certificatePem), ...(await readTrust(secrets, trustSecretId))];
  const store = new DynamoCapfStore({ client: new DynamoDBClient({ maxAttempts: 3, requestHandler: STORE_REQUEST_LIMITS }), tableName: config.tableName });
  const backend = new StoreSessionBackend({
    store,
    signClient: new LambdaSignClient(new LambdaClient({ maxAttempts: 1, requestHandler: SIGN_REQUEST_LIMITS }), config.signFunction),
    trustAnchors: async () => trust,
    issuer: { name: config.issuer, keyDelivery: issuerKeyDelivery(config.issuer) },
  });
  const metrics = new SessionMetrics();
  const listener = new CapfListener({
    hosts: [config.host],
    port: config.port,
    tls,
    backend,
    logger,
    onSessionEnd: (summary) => metrics.record(summary),
    ...(config.minTlsVersion ? { minTlsVersion: config.minTlsVersion } : {}),
  });
  const flushMetrics = setInterval(() => metrics.flush(), 60_000);
  await listener.start();
  logger.info('listening', { host: config.host, port: config.port, issuer: config.issuer });

  // F22: a rotated CAPF certificate (or a changed CAPF-trust) applies without restarting the task.
  const refresh = setInterval(() => {
    void (async () => {
      const next = await readTls(secrets, tlsSecretId);
      if (next.certificatePem !== tls.certificatePem) {
        tls = next;
        listener.reloadTls(next);
        logger.info('CAPF certificate reloaded');
      }
      trust = [pemToDer(tls.certificatePem), ...(await readTrust(secrets, trustSecretId))];
    })().catch((error: Error) => logger.warn('secret refresh failed', { reason: error.message }));
  }, TLS_REFRESH_MS);

  const health = createServer((request, response) => {
    const ok = request.url === '/health';
    response.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    response.end(ok ? JSON.stringify({ status: 'ok', ...listener.stats }) : '{}');
  }).listen(config.healthPort, '::');

  process.once('SIGTERM', () => {
    logger.info('SIGTERM: draining sessions');
    clearInterval(refresh);
    clearInterval(flushMetrics);
    listener.drain(config.drainMs).finally(() => {
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
