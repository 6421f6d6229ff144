// The bulk Lambda (issue 14): runs bulk jobs over the DynamoDB stores (CAPF_TABLE), hashing generated or shared
// authentication strings with the deployment's key (CAPF_AUTH_KEY_SECRET_ARN); a run cut short by the time limit
// continues in a new asynchronous invocation of this function (AWS_LAMBDA_FUNCTION_NAME, which Lambda sets).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { BulkAdmin } from '../../shared/admin/bulk-jobs.ts';
import { requestLimits } from '../../shared/aws-limits.ts';
import { ConfigError } from '../../shared/errors.ts';
import { authStringKeyLoader } from '../../shared/issuers/auth-key-secret.ts';
import { secretsManagerSdk } from '../../shared/issuers/aws-sdk.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';
import { cachedLoader } from '../../shared/util/cached-loader.ts';
import { lambdaHandler } from '../bootstrap.ts';
import { bulkFunction } from './bulk-function.ts';

const text = z.string().min(1).max(2048);
const bulkEnv = z.object({ CAPF_TABLE: text, CAPF_AUTH_KEY_SECRET_ARN: text.optional(), AWS_LAMBDA_FUNCTION_NAME: text });
// Throttling is retried by the bulk store itself (with backoff, never doubling a write): the SDK's own retries stay few.
const LIMITS = { maxAttempts: 3, requestHandler: requestLimits(10_000) };

export const handler = lambdaHandler(
  bulkFunction(async () => {
    const parsed = bulkEnv.safeParse(process.env);
    if (!parsed.success) throw new ConfigError(`bulk function environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'BULK_CONFIG');
    const env = parsed.data;
    const stores = createDynamoStores({ client: new DynamoDBClient({ ...LIMITS, cacheMiddleware: true }), tableName: env.CAPF_TABLE });
    // Cold start: the Secrets Manager SDK loads with the first string to hash, the Lambda SDK (and the scheduler
    // module) with the first continuation.
    const lambdaClient = cachedLoader<LambdaClient>();
    const continueJob = async (jobId: string) => {
      const [{ invokeBulkFunction }, lambda] = await Promise.all([
        import('../../shared/schedule/aws-job-scheduler.ts'),
        lambdaClient('lambda', async () => new (await import('@aws-sdk/client-lambda')).LambdaClient(LIMITS)),
      ]);
      return invokeBulkFunction(lambda, env.AWS_LAMBDA_FUNCTION_NAME, jobId);
    };
    const secretsManager = async () => new (await secretsManagerSdk()).SecretsManagerClient(LIMITS);
    return {
      bulk: new BulkAdmin({ stores, authStringKey: authStringKeyLoader(env.CAPF_AUTH_KEY_SECRET_ARN, secretsManager, 'the bulk function') }),
      continueJob,
    };
  }),
  'capf-bulk',
);
