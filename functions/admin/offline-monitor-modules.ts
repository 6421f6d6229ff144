// The admin function's offline-CA and expiry-monitor routes over the AWS adapters: pending CSRs and stale LSCs on the
// table (their objects in the CSR bucket, CAPF_CSR_BUCKET, deleted with them), imports through the API, a monitor run
// by invoking the expiry-monitor function (CAPF_FUNCTION_EXPIRY_MONITOR, RequestResponse, forced), the expiry report
// from the certificates' index (with the CAPF certificate when the CA routes can export it), and GET /crl from
// s3://CAPF_CRL_BUCKET/CAPF_CRL_KEY as the monitor published it.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import type { CaAdmin } from '../../shared/admin/ca.ts';
import { CsrAdmin } from '../../shared/admin/csrs.ts';
import { ApiError, type RouteModule } from '../../shared/admin/http/index.ts';
import { monitorRoutes } from '../../shared/admin/http/monitor-routes.ts';
import { offlineCaRoutes } from '../../shared/admin/http/offline-ca-routes.ts';
import { ConfigError, errorName } from '../../shared/errors.ts';
import { CertificateImporter } from '../../shared/issuers/offline/certificate-import.ts';
import { expiryReport } from '../../shared/monitor-service/expiry-report.ts';
import type { MonitorOutcome, MonitorSummary } from '../../shared/monitor-service/run.ts';
import { pemToDer } from '../../shared/pki/index.ts';
import type { CsrBucket, Stores } from '../../shared/ports/index.ts';
import { cachedLoader } from '../../shared/util/cached-loader.ts';

const text = z.string().min(1).max(2048);
const environmentSchema = z.object({
  CAPF_CSR_BUCKET: text.optional(),
  CAPF_CRL_BUCKET: text.optional(),
  CAPF_CRL_KEY: z.string().regex(/^crl\/[A-Za-z0-9._/-]{1,200}$/).optional(),
  CAPF_FUNCTION_EXPIRY_MONITOR: text.optional(),
});

/** A CRL of 100,000 entries is a few MB; far above that is not read. */
const MAX_CRL_BYTES = 32 * 1024 * 1024;

export interface AwsModuleClients {
  /** Made on the first CSR object or CRL read: the S3 SDK is not loaded at the admin function's cold start. */
  s3: () => Promise<S3Client>;
  /** Made on the first monitor run asked for: the Lambda SDK is not loaded at the admin function's cold start. */
  lambda: () => Promise<LambdaClient>;
}

export function offlineMonitorModules(stores: Stores, ca: CaAdmin | undefined, environment: NodeJS.ProcessEnv, clients: AwsModuleClients): RouteModule[] {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) throw new ConfigError(`admin function environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'ADMIN_CONFIG');
  const env = parsed.data;
  const trustAnchors = async () => (await stores.trust.list('capf')).map((entry) => pemToDer(entry.pem));
  const csrs = new CsrAdmin({ csrs: stores.csrs, audit: stores.audit, ...(env.CAPF_CSR_BUCKET ? { bucket: deferredCsrBucket(clients.s3, env.CAPF_CSR_BUCKET) } : {}) });
  return [
    offlineCaRoutes({ csrs, importer: (actor) => new CertificateImporter({ csrs: stores.csrs, issuances: stores.issuances, audit: stores.audit, actor, trustAnchors }) }),
    monitorRoutes({
      run: ({ dryRun }) => invokeMonitor(clients.lambda, env.CAPF_FUNCTION_EXPIRY_MONITOR, dryRun),
      expiryReport: async (withinMs) => {
        const capf = ca ? pemToDer(await ca.export()).slice() : undefined;
        return expiryReport({ issuances: stores.issuances, devices: stores.devices, ...(capf ? { capfCertificateDer: capf } : {}), withinMs, now: new Date() });
      },
      crl: () => readCrl(clients.s3, env.CAPF_CRL_BUCKET, env.CAPF_CRL_KEY ?? 'crl/capf.crl'),
    }),
  ];
}

async function invokeMonitor(lambda: () => Promise<LambdaClient>, functionName: string | undefined, dryRun: boolean): Promise<MonitorSummary> {
  if (!functionName) throw new ConfigError('the admin function has no CAPF_FUNCTION_EXPIRY_MONITOR: deploy the stack again', 'MONITOR_NOT_DEPLOYED');
  const [client, { InvokeCommand }] = await Promise.all([lambda(), import('@aws-sdk/client-lambda')]);
  let answer;
  try {
    answer = await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify({ force: true, dryRun })) }));
  } catch (error) {
    throw new ApiError(502, `invoking the expiry monitor failed (${errorName(error)}); try again`, 'MONITOR_UNAVAILABLE');
  }
  const body = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : '';
  if (answer.FunctionError) throw new ApiError(502, `the expiry monitor run failed (${answer.FunctionError}); see its log group`, 'MONITOR_FAILED');
  const outcome = JSON.parse(body) as MonitorOutcome;
  if (outcome.skipped) throw new ApiError(502, 'the expiry monitor skipped a forced run', 'MONITOR_FAILED');
  return outcome.summary;
}

/** The CSR bucket over S3, its adapter module and client loaded on the first call (a failed load is tried again). */
function deferredCsrBucket(s3: () => Promise<S3Client>, bucketName: string): CsrBucket {
  const loaded = cachedLoader<CsrBucket>();
  const bucket = () => loaded(bucketName, async () => new (await import('../../shared/issuers/offline/s3-csr-bucket.ts')).S3CsrBucket(await s3(), bucketName));
  return {
    putCsr: async (key, csrPem, metadata) => (await bucket()).putCsr(key, csrPem, metadata),
    list: async (prefix, limit) => (await bucket()).list(prefix, limit),
    read: async (key, maxBytes) => (await bucket()).read(key, maxBytes),
    delete: async (key) => (await bucket()).delete(key),
    putReport: async (key, body, contentType) => (await bucket()).putReport(key, body, contentType),
  };
}

async function readCrl(s3: () => Promise<S3Client>, bucket: string | undefined, key: string): Promise<Uint8Array | undefined> {
  if (!bucket) return undefined;
  const [client, { GetObjectCommand }] = await Promise.all([s3(), import('@aws-sdk/client-s3')]);
  let out;
  try {
    out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound') return undefined;
    throw error;
  }
  if ((out.ContentLength ?? 0) > MAX_CRL_BYTES) throw new ConfigError(`s3://${bucket}/${key} is over ${MAX_CRL_BYTES} bytes`, 'CRL_TOO_LARGE');
  return out.Body ? out.Body.transformToByteArray() : undefined;
}
