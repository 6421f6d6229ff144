// Devices in bulk over the admin API (issue 14): the CSV import (a checked file, or a chunk of one with the line its
// header is on) and the CSV export, a page at a time. Bulk jobs join this module.
import * as z from 'zod';
import type { AdminService } from '../admin-service.ts';
import { exportDeviceCsv, importDeviceCsv } from '../bulk-import.ts';
import { defineRoute, type RouteModule } from './router.ts';
import { operationSchema, operationStatusSchema } from './schemas.ts';

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
            ...(query.cursor ? { cursor: query.cursor } : {}),
          },
          now(),
        ),
      }),
    }),
  ];
}
