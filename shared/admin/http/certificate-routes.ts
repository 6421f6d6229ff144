// The certificates in service by expiry (the console's chart and the list behind each bar): a summary by days to
// expiry and by month, and the certificates expiring in a range, soonest first.
import * as z from 'zod';
import type { AdminService } from '../admin-service.ts';
import { CERTIFICATE_LIST_LIMIT } from '../certificate-expiry.ts';
import { defineRoute, type RouteModule } from './router.ts';
import { instant } from './schemas.ts';

const NO_STORE = { 'cache-control': 'no-store' };

export function certificateRoutes(service: AdminService, now: () => Date = () => new Date()): RouteModule {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/certificates/expiry',
      operationId: 'certificateExpiry',
      handle: async () => ({ body: await service.expirySummary(), headers: NO_STORE }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/certificates',
      operationId: 'listCertificates',
      query: z
        .object({
          from: z.string().max(40).optional(),
          to: z.string().max(40).optional(),
          limit: z.coerce.number().int().min(CERTIFICATE_LIST_LIMIT.min).max(CERTIFICATE_LIST_LIMIT.max).default(CERTIFICATE_LIST_LIMIT.default),
        })
        .strict(),
      handle: async ({ query }) => {
        const at = now();
        const from = instant('from', query.from, at) ?? '2000-01-01T00:00:00.000Z';
        const to = instant('to', query.to, at) ?? '9999-12-31T23:59:59.999Z';
        return { body: await service.certificatesExpiring({ from, to, limit: query.limit }), headers: NO_STORE };
      },
    }),
  ];
}
