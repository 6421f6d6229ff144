import 'reflect-metadata'; // before anything that loads @peculiar/x509
// The sign Lambda: the sign function over the DynamoDB stores and the issuer the environment configures, built once
// per container on the first invocation (so a configuration error is reported by that invocation, not at import).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requestLimits } from '../../shared/aws-limits.ts';
import { loadSignConfig } from '../../shared/config/runtime-config.ts';
import { createIssuer } from '../../shared/issuers/index.ts';
import { SignService } from '../../shared/signing/sign-service.ts';
import { DynamoDeviceStore } from '../../shared/store/dynamo-device-store.ts';
import { DynamoIssuanceStore } from '../../shared/store/dynamo-issuance-store.ts';
import { DynamoParameterStore } from '../../shared/store/dynamo-parameter-store.ts';
import { DynamoPendingCsrStore } from '../../shared/store/dynamo-pending-csr-store.ts';
import { openDynamoTable } from '../../shared/store/dynamo-table.ts';
import { lambdaHandler } from '../bootstrap.ts';
import { signFunction } from './sign-function.ts';

export const handler = lambdaHandler(
  signFunction(async ({ logger }) => {
    const config = loadSignConfig(process.env);
    logger?.info('sign function starting', { issuer: config.issuer.kind, fipsMode: config.fipsMode, table: config.tableName });
    // Only the stores signing uses (not createDynamoStores): the others' code would load at every cold start.
    const table = openDynamoTable(new DynamoDBClient({ maxAttempts: 3, requestHandler: requestLimits(5_000), cacheMiddleware: true }), config.tableName);
    const stores = { devices: new DynamoDeviceStore(table), issuances: new DynamoIssuanceStore(table), parameters: new DynamoParameterStore(table) };
    const issuer = await createIssuer(config, {}, { pendingCsrs: new DynamoPendingCsrStore(table) });
    return { signService: new SignService({ stores, issuer, fipsMode: config.fipsMode }) };
  }),
  'capf-sign',
);
