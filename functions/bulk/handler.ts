// The bulk Lambda (issue 14): runs bulk jobs over the DynamoDB stores (CAPF_TABLE), hashing generated or shared
// authentication strings with the deployment's key (CAPF_AUTH_KEY_SECRET_ARN); a run cut short by the time limit
// continues in a new asynchronous invocation of this function (AWS_LAMBDA_FUNCTION_NAME, which Lambda sets).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { BulkAdmin } from '../../shared/admin/bulk-jobs.ts';
import { requestLimits } from '../../shared/aws-limits.ts';
import { ConfigError } from '../../shared/errors.ts';
import { authStringKeyLoader } from '../../shared/issuers/auth-key-secret.ts';
import { invokeBulkFunction } from '../../shared/schedule/aws-job-scheduler.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';
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
    const stores = createDynamoStores({ client: new DynamoDBClient(LIMITS), tableName: env.CAPF_TABLE });
    const lambda = new LambdaClient(LIMITS);
    return {
      bulk: new BulkAdmin({ stores, authStringKey: authStringKeyLoader(env.CAPF_AUTH_KEY_SECRET_ARN, () => new SecretsManagerClient(LIMITS), 'the bulk function') }),
      continueJob: (jobId) => invokeBulkFunction(lambda, env.AWS_LAMBDA_FUNCTION_NAME, jobId),
    };
  }),
  'capf-bulk',
);
