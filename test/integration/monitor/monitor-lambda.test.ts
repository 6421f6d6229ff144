// The expiry monitor Lambda entry as deployed (functions/expiry-monitor/handler.ts), configured from its environment
// against moto: the table, the software CAPF CA in Secrets Manager, the CRL bucket, the SES sender and the SNS topic.
// The handler's module loads only the DynamoDB client; the CA's, S3's and the notifiers' SDK modules load on first use
// (aws-deps.ts), so this run exercises each of those deferred paths: the CRL lands in S3 signed by the CA from the
// secret, the digest goes out by SES and SNS.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorOutcome } from '../../../shared/monitor-service/run.ts';
import { derToPem, generateCapfCa } from '../../../shared/pki/index.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import type { Stores } from '../../../shared/ports/index.ts';
import { motoClientConfig, motoClients, motoLambdaEnvironment, uniqueName } from '../issuers/moto-aws.ts';
import { putLsc } from './monitor-fixture.ts';

type Handler = (event: unknown, context: Context) => Promise<MonitorOutcome>;

const savedEnv = { ...process.env };
const context = { functionName: 'capf-expiry-monitor', awsRequestId: 'req', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
let handler: Handler;
let stores: Stores;
let bucketName: string;
let topicArn: string;
let caPem: string;

interface MotoState {
  ses?: { RawMessage?: Array<{ destinations: string[]; raw_data: string }> };
  sns?: { Topic?: Array<{ arn: string; sent_notifications: Array<[string, string, string | null]> }> };
}

beforeAll(async () => {
  const config = motoClientConfig();
  const { dynamo } = motoClients();
  const tableName = uniqueName('capf-monitor');
  await ensureTable(dynamo, tableName);
  stores = createDynamoStores({ client: dynamo, tableName });
  bucketName = `capf-crl-${randomBytes(5).toString('hex')}`;
  await new S3Client(config).send(new CreateBucketCommand({ Bucket: bucketName }));
  await new SESv2Client(config).send(new CreateEmailIdentityCommand({ EmailIdentity: 'capf-monitor@example.com' }));
  topicArn = (await new SNSClient(config).send(new CreateTopicCommand({ Name: uniqueName('capf-expiry') }))).TopicArn!;
  const caSecretId = uniqueName('capf/ca');
  const ca = await generateCapfCa({ commonName: 'CAPF-monitor-lambda' });
  caPem = ca.certificatePem;
  await motoClients().secretsManager.send(new CreateSecretCommand({ Name: caSecretId, SecretString: JSON.stringify({ certificatePem: ca.certificatePem, privateKeyPem: ca.privateKeyPem }) }));
  Object.assign(process.env, {
    ...motoLambdaEnvironment(),
    CAPF_TABLE: tableName,
    CAPF_ISSUER: 'capf-software',
    CAPF_CA_SECRET_ARN: caSecretId,
    CAPF_CRL_BUCKET: bucketName,
    CAPF_CRL_KEY: 'crl/capf.crl',
    CAPF_SENDER_EMAIL: 'capf-monitor@example.com',
    CAPF_TOPIC_ARN: topicArn,
  });
  // Imported after the environment is set, as in a Lambda container.
  handler = (await import('../../../functions/expiry-monitor/handler.ts')).handler as unknown as Handler;
});

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

describe('expiry monitor Lambda on moto', () => {
  it('signs the CRL with the CA from its secret into S3 and sends the digest by SES and SNS', async () => {
    const recipient = `pki-${randomBytes(4).toString('hex')}@example.com`;
    await stores.parameters.update({ expiryRecipients: [recipient] });
    const now = new Date();
    await putLsc(stores, now, 'SEP00000000E007', 7);
    const expired = await putLsc(stores, now, 'SEP00000000E0FF', -1);

    const outcome = await handler({ force: true }, context);

    if (outcome.skipped) throw new Error('a forced run was skipped');
    const { summary } = outcome;
    expect(summary.revoked.map((entry) => entry.device)).toEqual(['SEP00000000E0FF']);
    expect(summary.crl?.location).toBe(`s3://${bucketName}/crl/capf.crl`);
    expect(summary.deliveries.map((d) => [d.recipient, d.channel, d.notices, d.error])).toEqual([
      [recipient, 'email', 2, undefined],
      [`topic:${topicArn}`, 'topic', 2, undefined],
    ]);

    // The CRL in the bucket verifies against the CA certificate in the secret and lists the
    // expired LSC's serial.
    const object = await new S3Client(motoClientConfig()).send(new GetObjectCommand({ Bucket: bucketName, Key: 'crl/capf.crl' }));
    const crlPem = derToPem(await object.Body!.transformToByteArray(), 'X509 CRL');
    const dir = await mkdtemp(join(tmpdir(), 'capf-monitor-lambda-'));
    try {
      await writeFile(join(dir, 'capf.crl'), crlPem);
      await writeFile(join(dir, 'ca.pem'), caPem);
      const verify = spawnSync('openssl', ['crl', '-in', join(dir, 'capf.crl'), '-noout', '-text', '-verify', '-CAfile', join(dir, 'ca.pem')], { encoding: 'utf8' });
      expect(verify.stderr).toContain('verify OK');
      expect(verify.stdout.toUpperCase()).toContain(expired.serialHex.toUpperCase());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const state = (await (await fetch(`${motoClientConfig().endpoint}/moto-api/data.json`)).json()) as MotoState;
    const mails = (state.ses?.RawMessage ?? []).filter((message) => message.destinations.includes(recipient));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.raw_data).toContain('SEP00000000E007');
    expect(state.sns?.Topic?.find((topic) => topic.arn === topicArn)?.sent_notifications ?? []).toHaveLength(1);
  });
});
