import 'reflect-metadata'; // before anything that loads @peculiar/x509
// The sign Lambda: middy + Powertools over the shared sign handler. Clients, store and issuer are built once per
// container, on the first invocation (so a configuration error is reported by that invocation, not at import).
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requestLimits } from '../../shared/aws-limits.ts';
import { loadSignConfig } from '../../shared/config/index.ts';
import { createIssuer } from '../../shared/issuers/index.ts';
import { createSignHandler } from '../../shared/signing/sign-handler.ts';
import { SignService } from '../../shared/signing/sign-service.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';

const logger = new Logger({ serviceName: 'capf-sign' });
const metrics = new Metrics({ namespace: 'capf', serviceName: 'capf-sign' });

async function containerSignService(): Promise<SignService> {
  const config = loadSignConfig(process.env);
  logger.info('sign function starting', { issuer: config.issuer.kind, fipsMode: config.fipsMode, table: config.tableName });
  const stores = createDynamoStores({ client: new DynamoDBClient({ maxAttempts: 3, requestHandler: requestLimits(5_000) }), tableName: config.tableName });
  const issuer = await createIssuer(config);
  return new SignService({ stores, issuer, fipsMode: config.fipsMode });
}

export const handler = middy(createSignHandler({ signService: containerSignService, logger, metrics }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
