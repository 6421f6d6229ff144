import 'reflect-metadata'; // before anything that loads @peculiar/x509
// The import Lambda (offline CA, F3): invoked by the CSR bucket's "object created" events under signed/; matches each
// uploaded certificate to its pending CSR, writes signed/<name>.result.json and records the audit event.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { requestLimits } from '../../shared/aws-limits.ts';
import { loadImportConfig } from '../../shared/config/import-config.ts';
import { CertificateImporter } from '../../shared/issuers/offline/certificate-import.ts';
import { S3CsrBucket } from '../../shared/issuers/offline/s3-csr-bucket.ts';
import { pemToDer } from '../../shared/pki/index.ts';
import { DynamoAuditStore } from '../../shared/store/dynamo-audit-store.ts';
import { DynamoIssuanceStore } from '../../shared/store/dynamo-issuance-store.ts';
import { DynamoPendingCsrStore } from '../../shared/store/dynamo-pending-csr-store.ts';
import { openDynamoTable } from '../../shared/store/dynamo-table.ts';
import { DynamoTrustStore } from '../../shared/store/dynamo-trust-store.ts';
import { lambdaHandler } from '../bootstrap.ts';
import { importFunction } from './import-function.ts';

export const handler = lambdaHandler(
  importFunction(async () => {
    const config = loadImportConfig(process.env);
    const limits = { maxAttempts: 3, requestHandler: requestLimits(5_000) };
    // Only the four stores it uses (not createDynamoStores): the others' code would load at every cold start.
    const table = openDynamoTable(new DynamoDBClient({ ...limits, cacheMiddleware: true }), config.tableName);
    const trust = new DynamoTrustStore(table);
    const importer = new CertificateImporter({
      csrs: new DynamoPendingCsrStore(table),
      issuances: new DynamoIssuanceStore(table),
      audit: new DynamoAuditStore(table),
      bucket: new S3CsrBucket(new S3Client(limits), config.bucketName),
      trustAnchors: async () => (await trust.list('capf')).map((entry) => pemToDer(entry.pem)),
    });
    return { bucketName: config.bucketName, importer };
  }),
  'capf-import',
);
