// The import function's definition (functions/bootstrap.ts runs it): an S3 "object created" event of the CSR bucket
// (signed/ uploads) as input, the certificate importer as dependency; each upload is imported and its report written
// beside it. A store or bucket failure fails the invocation, so Lambda retries it and then sends it to the DLQ; the
// import is idempotent, so a retry finishes what a failed attempt began.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import type { CertificateImporter, ImportReport } from '../../shared/issuers/offline/certificate-import.ts';
import type { FunctionDefinition, FunctionTools } from '../bootstrap.ts';

/** The parts of an S3 event notification the import reads (as S3 sends it: keys URL-encoded, spaces as '+'). */
export const s3EventSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:s3'),
        eventName: z.string().max(64),
        s3: z.object({
          bucket: z.object({ name: z.string().min(3).max(63) }),
          object: z.object({ key: z.string().min(1).max(3072), size: z.number().int().min(0).optional() }),
        }),
      }),
    )
    .max(100),
});

export type S3Event = z.output<typeof s3EventSchema>;

export interface ImportDeps {
  bucketName: string;
  importer: CertificateImporter;
}

export interface ImportSummary {
  key: string;
  result: ImportReport['result'] | 'skipped';
}

/** An S3 key as the event carries it, decoded (`+` is a space; the rest is percent-encoding). */
export function eventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

export function importFunction(deps: (tools: FunctionTools) => Promise<ImportDeps>): FunctionDefinition<S3Event, ImportSummary[], ImportDeps> {
  return {
    input: s3EventSchema,
    deps,
    logKeys: (event) => ({ objects: event.Records.length }),
    async work(event, { bucketName, importer }, { logger, metrics }) {
      const summaries: ImportSummary[] = [];
      for (const record of event.Records) {
        const key = eventKey(record.s3.object.key);
        if (!record.eventName.startsWith('ObjectCreated') || record.s3.bucket.name !== bucketName) {
          summaries.push({ key, result: 'skipped' });
          continue;
        }
        const report = await importer.importObject(key);
        summaries.push({ key, result: report?.result ?? 'skipped' });
        if (report) {
          logger?.info('certificate upload imported', { key, result: report.result, codes: report.certificates.map((c) => c.code ?? c.result) });
          metrics?.addMetric(report.result === 'imported' ? 'Imports' : 'ImportRefusals', MetricUnit.Count, 1);
        }
      }
      return summaries;
    },
    onFailure: (error, { logger, metrics }) => {
      logger?.error('certificate import failed', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      metrics?.addMetric('ImportFailures', MetricUnit.Count, 1);
    },
  };
}
