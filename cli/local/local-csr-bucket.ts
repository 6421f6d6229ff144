// The local stack's CSR bucket for the offline CA (F3): s3rver on 127.0.0.1 keeping its objects under
// `<data>/csr-bucket/`, and its "object created" events handed to the import function's handler as S3 would hand
// them (keys URL-encoded), so an upload under signed/ is imported exactly as in AWS.
import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { inProcessHandler } from '../../functions/bootstrap.ts';
import { importFunction } from '../../functions/import/import-function.ts';
import type { CapfLogger } from '../../shared/logging.ts';
import { CertificateImporter } from '../../shared/issuers/offline/certificate-import.ts';
import { S3CsrBucket } from '../../shared/issuers/offline/s3-csr-bucket.ts';
import type { AuditLog, Stores } from '../../shared/ports/index.ts';
import { LOCAL_CSR_BUCKET, localBucketClient } from './local-issuer.ts';

/** The part of s3rver (CommonJS without type declarations) the local stack uses. */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
}

type S3rverClass = new (options: Record<string, unknown>) => S3rverServer;

/** Loaded only when the offline issuer is chosen. */
function loadS3rver(): S3rverClass {
  return createRequire(import.meta.url)('s3rver') as S3rverClass;
}

export { LOCAL_BUCKET_CREDENTIALS, LOCAL_CSR_BUCKET } from './local-issuer.ts';

export interface LocalCsrBucket {
  endpoint: string;
  bucketName: string;
  /** Where s3rver keeps the objects on disk. */
  directory: string;
  s3: S3Client;
  bucket: S3CsrBucket;
  importer: CertificateImporter;
  /** Resolves when every import started by an event so far has finished (tests, shutdown). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface LocalCsrBucketOptions {
  dataDir: string;
  stores: Stores;
  logger: CapfLogger;
  trustAnchors: () => Promise<Uint8Array[]>;
  audit: AuditLog;
  port?: number;
}

interface S3rverEvent {
  Records: { s3: { object: { key: string } } }[];
}

/** A key as S3 puts it into an event: form-encoded, '/' kept. */
function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** Where s3rver keeps the local bucket's objects under the data folder. */
export function localBucketDirectory(dataDir: string): string {
  return join(dataDir, 'csr-bucket');
}

async function runS3rver(dataDir: string, port = 0): Promise<{ server: S3rverServer; directory: string; endpoint: string; s3: S3Client; bucket: S3CsrBucket }> {
  const directory = localBucketDirectory(dataDir);
  const S3rver = loadS3rver();
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: LOCAL_CSR_BUCKET, configs: [] }] });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const s3 = localBucketClient(endpoint);
  return { server, directory, endpoint, s3, bucket: new S3CsrBucket(s3, LOCAL_CSR_BUCKET) };
}

/**
 * The data folder's bucket for one piece of work with no `capf serve` running (the CLI on the data folder): s3rver on
 * a free loopback port over the same files, no import on its events, closed afterwards. Undefined when the folder has
 * never had a bucket (the offline issuer never ran there).
 */
export async function withLocalBucketFiles<T>(dataDir: string, work: (bucket: S3CsrBucket | undefined) => Promise<T>): Promise<T> {
  const exists = await stat(localBucketDirectory(dataDir)).then(
    (found) => found.isDirectory(),
    () => false,
  );
  if (!exists) return work(undefined);
  const running = await runS3rver(dataDir);
  try {
    return await work(running.bucket);
  } finally {
    running.s3.destroy();
    await running.server.close();
  }
}

export async function startLocalCsrBucket(options: LocalCsrBucketOptions): Promise<LocalCsrBucket> {
  const { server, directory, endpoint, s3, bucket } = await runS3rver(options.dataDir, options.port);
  const importer = new CertificateImporter({
    csrs: options.stores.csrs,
    issuances: options.stores.issuances,
    audit: options.audit,
    bucket,
    trustAnchors: options.trustAnchors,
  });
  const handler = inProcessHandler(importFunction(() => Promise.resolve({ bucketName: LOCAL_CSR_BUCKET, importer })));
  let running: Promise<void> = Promise.resolve();
  server.on('event', (event: S3rverEvent) => {
    for (const record of event.Records) record.s3.object.key = encodeEventKey(record.s3.object.key);
    // One import at a time, in upload order, as a Lambda with reserved concurrency 1 would run them.
    running = running.then(
      () =>
        handler(event).then(
          (summaries) => {
            for (const summary of summaries) if (summary.result !== 'skipped') options.logger.info('certificate upload imported', { ...summary });
          },
          (error: unknown) => options.logger.error('certificate import failed', { reason: error instanceof Error ? error.message : String(error) }),
        ),
    );
  });
  return {
    endpoint,
    bucketName: LOCAL_CSR_BUCKET,
    directory,
    s3,
    bucket,
    importer,
    settled: () => running,
    async close() {
      await running;
      s3.destroy();
      await server.close();
    },
  };
}
