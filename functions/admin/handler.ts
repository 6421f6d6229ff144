// The admin Lambda behind the IAM-authorised HTTP API: the admin router over the DynamoDB stores, built once per
// container on the first invocation. Authentication strings are stored as their keyed hash under the deployment's key
// (CAPF_AUTH_KEY_SECRET_ARN), read on the first request that sets one and kept for the container's life.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requestLimits } from '../../shared/aws-limits.ts';
import { AdminService } from '../../shared/admin/admin-service.ts';
import { createAdminRouter } from '../../shared/admin/http/index.ts';
import { caRoutes } from '../../shared/admin/http/ca-routes.ts';
import { trustRoutes } from '../../shared/admin/http/trust-routes.ts';
import { CaAdmin } from '../../shared/admin/ca.ts';
import { TrustAdmin } from '../../shared/admin/trust.ts';
import { templateRoutes } from '../../shared/admin/http/template-routes.ts';
import { TemplateAdmin } from '../../shared/admin/templates.ts';
import { SecretCaCustody } from '../../shared/issuers/capf-ca/secret-ca-custody.ts';
import { loadAdminConfig } from '../../shared/config/admin-config.ts';
import { authStringKeyLoader } from '../../shared/issuers/auth-key-secret.ts';
import { secretsManagerSdk } from '../../shared/issuers/aws-sdk.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';
import { cachedLoader } from '../../shared/util/cached-loader.ts';
import { lambdaHandler } from '../bootstrap.ts';
import { adminFunction } from './admin-function.ts';
import { bulkJobModule } from './bulk-module.ts';
import { offlineMonitorModules } from './offline-monitor-modules.ts';

const AWS_LIMITS = { maxAttempts: 3, requestHandler: requestLimits(5_000) };

export const handler = lambdaHandler(
  adminFunction(async ({ logger }) => {
    const config = loadAdminConfig(process.env);
    const stores = createDynamoStores({ client: new DynamoDBClient({ ...AWS_LIMITS, cacheMiddleware: true }), tableName: config.tableName });
    // Secrets Manager, S3, Lambda and Scheduler: each SDK loads on the first route that needs it (a string stored, the
    // CA, a CSR object or the CRL, a monitor run, a bulk job), not at the cold start; one client of each.
    const secretsClient = cachedLoader<SecretsManagerClient>();
    const secretsManager = () => secretsClient('secrets-manager', async () => new (await secretsManagerSdk()).SecretsManagerClient(AWS_LIMITS));
    const authStringKey = authStringKeyLoader(config.authKeySecretId, secretsManager, 'the admin function');
    const service = new AdminService({ stores, authStringKey });
    const lambdaClient = cachedLoader<LambdaClient>();
    const schedulerClient = cachedLoader<SchedulerClient>();
    const lambda = () => lambdaClient('lambda', async () => new (await import('@aws-sdk/client-lambda')).LambdaClient({ ...AWS_LIMITS, requestHandler: requestLimits(28_000) }));
    const s3Client = cachedLoader<S3Client>();
    const s3 = () => s3Client('s3', async () => new (await import('@aws-sdk/client-s3')).S3Client(AWS_LIMITS));
    const scheduler = () => schedulerClient('scheduler', async () => new (await import('@aws-sdk/client-scheduler')).SchedulerClient(AWS_LIMITS));
    const trust = new TrustAdmin({ trust: stores.trust, audit: stores.audit });
    // F4: the CAPF CA in the CA secret; the sign function follows a replacement within its re-read interval.
    const ca = config.capfCa && new CaAdmin({ custody: new SecretCaCustody({ client: secretsManager, ...config.capfCa }), trust, audit: stores.audit });
    return {
      router: createAdminRouter(service, {
        ...(config.issuer ? { issuer: config.issuer } : {}),
        modules: [
          trustRoutes(trust),
          caRoutes(ca, config.issuer),
          templateRoutes(new TemplateAdmin({ templates: stores.templates, audit: stores.audit })),
          ...offlineMonitorModules(stores, ca || undefined, process.env, { s3, lambda }),
          bulkJobModule(stores, authStringKey, process.env, { scheduler, lambda }),
        ],
        onInternalError: (error, request) => logger?.error('admin API request failed', { method: request.method, path: request.path, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
      }),
    };
  }),
  'capf-admin',
);
