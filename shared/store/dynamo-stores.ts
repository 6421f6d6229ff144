// The stores of one deployment on one DynamoDB table; runs unchanged on AWS, dynalite and moto_server. Each entity has
// its adapter (dynamo-*-store.ts) over the shared table (dynamo-table.ts).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Stores } from '../ports/index.ts';
import { DynamoAuditStore } from './dynamo-audit-store.ts';
import { DynamoDeviceStore } from './dynamo-device-store.ts';
import { DynamoMonitorStore } from './dynamo-monitor-store.ts';
import { DynamoIssuanceStore } from './dynamo-issuance-store.ts';
import { DynamoParameterStore } from './dynamo-parameter-store.ts';
import { DynamoPendingCsrStore } from './dynamo-pending-csr-store.ts';
import { openDynamoTable } from './dynamo-table.ts';
import { DynamoTrustStore } from './dynamo-trust-store.ts';
import { DynamoTemplateStore } from './dynamo-template-store.ts';
import { DynamoBulkStore } from './dynamo-bulk-store.ts';

import { ensureTable as ensureTableLayout } from './dynamo-table.ts';
import { backfillDeviceIndexKeys } from './dynamo-index-backfill.ts';
import { backfillCsrIndexKeys } from './dynamo-csr-backfill.ts';

/**
 * Creates the table with its indexes, or adds the indexes an older table lacks; then gives the devices written before
 * those indexes existed their index keys, so listings show them, and (once per table: dynamo-csr-backfill.ts) the
 * pending CSRs written before CSR items carried index keys.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const table = openDynamoTable(client, tableName);
  if (await ensureTableLayout(client, tableName)) await backfillDeviceIndexKeys(table);
  await backfillCsrIndexKeys(table);
}

export interface DynamoStoresOptions {
  client: DynamoDBClient;
  tableName: string;
  now?: () => Date;
}

export function createDynamoStores(options: DynamoStoresOptions): Stores {
  const table = openDynamoTable(options.client, options.tableName, options.now);
  return { devices: new DynamoDeviceStore(table), issuances: new DynamoIssuanceStore(table), parameters: new DynamoParameterStore(table), trust: new DynamoTrustStore(table), csrs: new DynamoPendingCsrStore(table), audit: new DynamoAuditStore(table), monitor: new DynamoMonitorStore(table), templates: new DynamoTemplateStore(table), bulk: new DynamoBulkStore(table) };
}
