import 'reflect-metadata'; // before anything that loads @peculiar/x509
// The sign Lambda: the sign function over the DynamoDB stores and the issuer the environment configures, built once
// per container on the first invocation (so a configuration error is reported by that invocation, not at import).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requestLimits } from '../../shared/aws-limits.ts';
import { loadSignConfig } from '../../shared/config/runtime-config.ts';
import { createIssuer } from '../../shared/issuers/index.ts';
import { SignService } from '../../shared/signing/sign-service.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';
import { lambdaHandler } from '../bootstrap.ts';
import { signFunction } from './sign-function.ts';

export const handler = lambdaHandler(
  signFunction(async ({ logger }) => {
    const config = loadSignConfig(process.env);
    logger?.info('sign function starting', { issuer: config.issuer.kind, fipsMode: config.fipsMode, table: config.tableName });
    const stores = createDynamoStores({ client: new DynamoDBClient({ maxAttempts: 3, requestHandler: requestLimits(5_000), cacheMiddleware: true }), tableName: config.tableName });
    return { signService: new SignService({ stores, issuer: await createIssuer(config, {}, { pendingCsrs: stores.csrs }), fipsMode: config.fipsMode }) };
  }),
  'capf-sign',
);
