// Devices in bulk over the admin API (issue 14): the CSV import (a checked file, or a chunk of one with the line its
// header is on) and the CSV export, a page at a time; bulk jobs (create with a dry run, list, show, cancel, the
// generated strings once).
import * as z from 'zod';
import type { AdminService } from '../admin-service.ts';
import { MAX_BULK_DEVICES, type BulkAdmin } from '../bulk-jobs.ts';
import { exportDeviceCsv, importDeviceCsv } from '../bulk-import.ts';
import { AUTH_STRING_LENGTH } from '../../domain/validation.ts';
import type { BulkJob } from '../../ports/index.ts';
import { defineRoute, type RouteModule } from './router.ts';
import { authModeSchema, operationSchema, operationStatusSchema } from './schemas.ts';

export const EXPORT_PAGE = { max: 1000, default: 500 } as const;

export function bulkRoutes(service: AdminService, now: () => Date = () => new Date()): RouteModule {
  return [
    defineRoute({
      method: 'POST',
      path: '/v1/device-import',
      operationId: 'importDevices',
      body: z.object({ csv: z.string().min(1).max(60_000), firstLine: z.number().int().min(1).max(10_000_000).optional(), dryRun: z.boolean().optional() }).strict(),
      handle: async ({ body, principal }) => ({
        body: await importDeviceCsv(service, { actor: principal }, body.csv, { ...(body.firstLine ? { firstLine: body.firstLine } : {}), ...(body.dryRun ? { dryRun: true } : {}) }),
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/device-export',
      operationId: 'exportDevices',
      query: z
        .object({
          status: operationStatusSchema.optional(),
          prefix: z.string().max(64).regex(/^[A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only').optional(),
          operation: operationSchema.optional(),
          authMode: authModeSchema.optional(),
          limit: z.coerce.number().int().min(1).max(EXPORT_PAGE.max).default(EXPORT_PAGE.default),
          cursor: z.string().max(2048).optional(),
        })
        .strict(),
      handle: async ({ query }) => ({
        body: await exportDeviceCsv(
          service,
          {
            limit: query.limit,
            ...(query.status ? { status: query.status } : {}),
            ...(query.prefix ? { namePrefix: query.prefix } : {}),
            ...(query.operation ? { operation: query.operation } : {}),
            ...(query.authMode ? { authMode: query.authMode } : {}),
            ...(query.cursor ? { cursor: query.cursor } : {}),
          },
          now(),
        ),
      }),
    }),
  ];
}

/** Names one request may list (the body stays under 64 KiB); more devices: a query, or several jobs. */
export const MAX_JOB_NAMES = 3000;
/** Failures `GET /v1/bulk-jobs/{id}` lists at most (the job's `failed` counts them all). */
export const FAILURES_SHOWN = { max: 1000, default: 100 } as const;

const namePrefix = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only');
const time = (field: string) =>
  z
    .string()
    .max(40)
    .transform((value, context) => {
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) {
        context.addIssue({ code: 'custom', message: `${field} must be an ISO 8601 time, e.g. 2027-01-31 or 2027-01-31T08:00:00Z` });
        return z.NEVER;
      }
      return new Date(ms).toISOString();
    });

export const bulkSelectionSchema = z
  .object({
    names: z.array(z.string().min(1).max(64)).min(1).max(MAX_JOB_NAMES).optional(),
    prefix: namePrefix.optional(),
    pattern: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.*?-]*$/, 'letters, digits, _ . - and the wildcards * ? only').optional(),
    status: operationStatusSchema.optional(),
    operation: operationSchema.optional(),
    lscExpiresBefore: time('lscExpiresBefore').optional(),
    lscIssuer: z.string().min(1).max(200).optional(),
    noLsc: z.literal(true).optional(),
  })
  .strict()
  .refine((s) => !(s.names && Object.keys(s).length > 1), { message: 'select by names or by query fields, not both' });

export const bulkJobBodySchema = z
  .object({
    operation: operationSchema,
    selection: bulkSelectionSchema,
    authString: z.string().min(AUTH_STRING_LENGTH.min).max(AUTH_STRING_LENGTH.max).optional(),
    generateStrings: z.boolean().optional(),
    completesBy: z.string().max(40).optional(),
    runAt: time('runAt').optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

export interface BulkJobRouteOptions {
  /** Starts a job due now in the background (the local stack runs it in its process); absent: the job waits for
   *  whatever runs due jobs (the local timer, or the schedule BulkAdmin's `schedule` option arranged in AWS). */
  runNow?: (job: BulkJob) => void;
  now?: () => Date;
}

/** The job as the API shows it, with what is left to do once its target list is fixed. */
function shownJob(job: BulkJob): BulkJob & { remaining?: number } {
  return job.total === undefined ? job : { ...job, remaining: Math.max(0, job.total - job.done - job.failed) };
}

const jobPath = (suffix = '') => `/v1/bulk-jobs/{id}${suffix}`;

export function bulkJobRoutes(bulk: BulkAdmin, options: BulkJobRouteOptions = {}): RouteModule {
  const now = options.now ?? (() => new Date());
  return [
    defineRoute({
      method: 'POST',
      path: '/v1/bulk-jobs',
      operationId: 'createBulkJob',
      body: bulkJobBodySchema,
      handle: async ({ body, principal }) => {
        const { selection, ...rest } = body;
        const created = await bulk.create(principal, { ...rest, selection: selection as BulkJob['selection'] });
        if (!created.job) return { body: { dryRun: true, count: created.count, sample: created.sample } };
        if (created.job.runAt <= now().toISOString()) options.runNow?.(created.job);
        return { status: 201, body: { job: shownJob(created.job), count: created.count, sample: created.sample } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/bulk-jobs',
      operationId: 'listBulkJobs',
      handle: async () => ({ body: { jobs: (await bulk.list()).map(shownJob) } }),
    }),
    defineRoute({
      method: 'GET',
      path: jobPath(),
      operationId: 'getBulkJob',
      query: z.object({ failures: z.coerce.number().int().min(0).max(FAILURES_SHOWN.max).default(FAILURES_SHOWN.default) }).strict(),
      handle: async ({ params, query }) => {
        const shown = await bulk.show(params.id!, query.failures);
        return { body: { job: shownJob(shown.job), failures: shown.failures } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: jobPath('/cancel'),
      operationId: 'cancelBulkJob',
      handle: async ({ params, principal }) => ({ body: { job: shownJob(await bulk.cancel(principal, params.id!)) } }),
    }),
    defineRoute({
      method: 'POST',
      path: jobPath('/strings'),
      operationId: 'takeBulkJobStrings',
      // One page at a time (a 200,000-device job's strings would not fit in a Lambda's 6 MB answer), each once.
      query: z.object({ from: z.coerce.number().int().min(0).max(MAX_BULK_DEVICES).default(0) }).strict(),
      handle: async ({ params, principal, query }) => ({ body: await bulk.stringsPage(principal, params.id!, query.from) }),
    }),
  ];
}
