// What the expiry monitor Lambda runs on, from its environment: the DynamoDB stores (CAPF_TABLE), SES email from
// CAPF_SENDER_EMAIL to the parameters' recipients (else CAPF_EMAIL_RECIPIENTS), the SNS topic (CAPF_TOPIC_ARN), the
// CAPF CA (CAPF_ISSUER capf-software: CAPF_CA_SECRET_ARN; capf-kms: CAPF_KMS_KEY_ID and CAPF_CA_CERT_SECRET_ARN) whose
// key signs the CRL, written to s3://CAPF_CRL_BUCKET/CAPF_CRL_KEY. Another issuer's CA publishes its own CRL.
//
// Cold start: only the DynamoDB client is loaded with the module. The CA's clients (Secrets Manager, KMS) load when
// the monitor is built with a CA configured, S3 on the first CRL published, SES and SNS (and the MIME composer) on the
// first digest sent (shared/notify loads them on use): each is a chunk of its own in the bundle (infra/bundling.ts),
// and a run that needs none of them never parses them. The notify adapters come from their own modules, not
// shared/notify/index.ts, which also holds the local outbox.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { requestLimits } from '../../shared/aws-limits.ts';
import { ConfigError } from '../../shared/errors.ts';
import { ExpiryMonitor, type MonitorDeps } from '../../shared/monitor-service/run.ts';
import { SesEmailNotifier } from '../../shared/notify/ses.ts';
import { SnsTopicNotifier } from '../../shared/notify/sns.ts';
import type { Notifier } from '../../shared/ports/index.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';

const text = z.string().min(1).max(2048);
const monitorEnv = z.object({
  CAPF_TABLE: text,
  CAPF_CLUSTER_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,24}$/).optional(),
  CAPF_ISSUER: text.optional(),
  CAPF_CA_SECRET_ARN: text.optional(),
  CAPF_KMS_KEY_ID: text.optional(),
  CAPF_CA_CERT_SECRET_ARN: text.optional(),
  CAPF_SENDER_EMAIL: text.optional(),
  CAPF_EMAIL_RECIPIENTS: z.string().max(8192).optional(),
  CAPF_TOPIC_ARN: text.optional(),
  CAPF_CRL_BUCKET: text.optional(),
  CAPF_CRL_KEY: z.string().regex(/^crl\/[A-Za-z0-9._/-]{1,200}$/).optional(),
});
type MonitorEnv = z.infer<typeof monitorEnv>;

const LIMITS = { maxAttempts: 3, requestHandler: requestLimits(10_000) };

async function loadCa(env: MonitorEnv): Promise<MonitorDeps['ca']> {
  if (env.CAPF_ISSUER === 'capf-software' && env.CAPF_CA_SECRET_ARN) {
    const [{ SecretsManagerClient }, { loadSoftwareCaFromSecret }] = await Promise.all([
      import('@aws-sdk/client-secrets-manager'),
      import('../../shared/issuers/capf-ca/software-ca.ts'),
    ]);
    return loadSoftwareCaFromSecret(new SecretsManagerClient(LIMITS), env.CAPF_CA_SECRET_ARN);
  }
  if (env.CAPF_ISSUER === 'capf-kms' && env.CAPF_KMS_KEY_ID && env.CAPF_CA_CERT_SECRET_ARN) {
    const [{ KMSClient }, { SecretsManagerClient }, { loadKmsCa }] = await Promise.all([
      import('@aws-sdk/client-kms'),
      import('@aws-sdk/client-secrets-manager'),
      import('../../shared/issuers/capf-ca/kms-ca.ts'),
    ]);
    return loadKmsCa({ kms: new KMSClient(LIMITS), secretsManager: new SecretsManagerClient(LIMITS) }, { keyId: env.CAPF_KMS_KEY_ID, certSecretId: env.CAPF_CA_CERT_SECRET_ARN });
  }
  return undefined;
}

export async function awsMonitor(environment: NodeJS.ProcessEnv = process.env): Promise<ExpiryMonitor> {
  const parsed = monitorEnv.safeParse(environment);
  if (!parsed.success) throw new ConfigError(`expiry monitor environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'MONITOR_CONFIG');
  const env = parsed.data;
  const stores = createDynamoStores({ client: new DynamoDBClient({ ...LIMITS, cacheMiddleware: true }), tableName: env.CAPF_TABLE });
  const notifiers: Notifier[] = [];
  if (env.CAPF_SENDER_EMAIL) notifiers.push(new SesEmailNotifier({ from: env.CAPF_SENDER_EMAIL }));
  if (env.CAPF_TOPIC_ARN) notifiers.push(new SnsTopicNotifier({ topicArn: env.CAPF_TOPIC_ARN }));
  const ca = await loadCa(env);
  const bucket = env.CAPF_CRL_BUCKET;
  const key = env.CAPF_CRL_KEY ?? 'crl/capf.crl';
  let s3: Promise<(crlDer: Uint8Array) => Promise<unknown>> | undefined;
  const putCrl = async () => {
    const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
    const client = new S3Client(LIMITS);
    return (crlDer: Uint8Array) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: crlDer, ContentType: 'application/pkix-crl' }));
  };
  return new ExpiryMonitor({
    stores,
    notifiers,
    fallbackRecipients: (env.CAPF_EMAIL_RECIPIENTS ?? '').split(',').map((address) => address.trim()).filter((address) => address.length > 0),
    clusterName: env.CAPF_CLUSTER_NAME ?? 'aws',
    ...(ca ? { ca } : {}),
    ...(bucket
      ? {
          crlSink: {
            publish: async (crlDer: Uint8Array) => {
              s3 ??= putCrl();
              await (await s3)(crlDer);
              return `s3://${bucket}/${key}`;
            },
          },
        }
      : {}),
  });
}
