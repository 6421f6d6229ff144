// The admin Lambda behind the IAM-authorised HTTP API: the admin router over the DynamoDB stores, built once per
// container on the first invocation.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requestLimits } from '../../shared/aws-limits.ts';
import { AdminService } from '../../shared/admin/admin-service.ts';
import { createAdminRouter } from '../../shared/admin/http/index.ts';
import { trustRoutes } from '../../shared/admin/http/trust-routes.ts';
import { TrustAdmin } from '../../shared/admin/trust.ts';
import { loadAdminConfig } from '../../shared/config/index.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';
import { lambdaHandler } from '../bootstrap.ts';
import { adminFunction } from './admin-function.ts';

export const handler = lambdaHandler(
  adminFunction(async ({ logger }) => {
    const config = loadAdminConfig(process.env);
    const stores = createDynamoStores({ client: new DynamoDBClient({ maxAttempts: 3, requestHandler: requestLimits(5_000) }), tableName: config.tableName });
    const service = new AdminService({ stores });
    return {
      router: createAdminRouter(service, {
        modules: [trustRoutes(new TrustAdmin({ trust: stores.trust, audit: stores.audit }))],
        onInternalError: (error, request) => logger?.error('admin API request failed', { method: request.method, path: request.path, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
      }),
    };
  }),
  'capf-admin',
);
