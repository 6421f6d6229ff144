// The expiry monitor over the admin API (F19): run it now (or a dry run), the expiry report, and the CAPF CA's CRL as
// the monitor last published it (GET /crl, DER: what a CRL consumer fetches).
import * as z from 'zod';
import { DAY_MS } from '../../monitor/index.ts';
import { MAX_REPORT_SPAN_MS, type ExpiryRow } from '../../monitor-service/expiry-report.ts';
import type { MonitorSummary } from '../../monitor-service/run.ts';
import { ApiError } from './api-error.ts';
import { defineRoute, type RouteModule } from './router.ts';

export interface MonitorAdmin {
  run(options: { dryRun: boolean }): Promise<MonitorSummary>;
  expiryReport(withinMs: number): Promise<ExpiryRow[]>;
  /** The last CRL the monitor published (DER); undefined before the first. */
  crl(): Promise<Uint8Array | undefined>;
}

const NO_STORE = { 'cache-control': 'no-store' };

/** `30d`, `12h` (at most 3650 days) as milliseconds. */
export function parseSpan(value: string): number | undefined {
  const match = /^(\d{1,6})([dh])$/.exec(value);
  const ms = match ? Number(match[1]) * (match[2] === 'd' ? DAY_MS : 3_600_000) : Number.NaN;
  return ms > 0 && ms <= MAX_REPORT_SPAN_MS ? ms : undefined;
}

export function monitorRoutes(monitor: MonitorAdmin): RouteModule {
  return [
    defineRoute({
      method: 'POST',
      path: '/v1/monitor/run',
      operationId: 'runMonitor',
      body: z.object({ dryRun: z.boolean().optional() }).strict(),
      handle: async ({ body }) => ({ body: await monitor.run({ dryRun: body.dryRun === true }) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/reports/expiry',
      operationId: 'reportExpiry',
      query: z.object({ within: z.string().max(12).optional() }).strict(),
      handle: async ({ query }) => {
        const within = query.within ?? '30d';
        const ms = parseSpan(within);
        if (ms === undefined) throw new ApiError(400, 'within must be a span like 30d or 12h (at most 3650d)', 'INVALID_SPAN');
        return { body: { within, rows: await monitor.expiryReport(ms) }, headers: NO_STORE };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/crl',
      operationId: 'getCrl',
      handle: async () => {
        const crl = await monitor.crl();
        if (!crl) throw new ApiError(404, 'no CRL published yet: the expiry monitor publishes it at its next run (capf monitor run)', 'CRL_NOT_PUBLISHED');
        return { raw: { contentType: 'application/pkix-crl', bytes: crl }, headers: { 'cache-control': 'max-age=300' } };
      },
    }),
  ];
}
