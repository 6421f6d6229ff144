// Service parameter routes and the audit trail: read and change the parameters (bounds and defaults from
// shared/domain/parameters.ts), list audit events by device or by time (and by actor), newest first.
import * as z from 'zod';
import type { ServiceParameters } from '../../ports/index.ts';
import type { AdminService } from '../admin-service.ts';
import type { RouteModule } from './router.ts';
import { defineRoute } from './router.ts';
import { instant, pageQuery } from './schemas.ts';

/** `issuer`: the issuer in use, shown with the parameters (read-only: it is chosen at deployment or at `capf serve`). */
export function parameterRoutes(service: AdminService, issuer?: string): RouteModule {
  return [
    defineRoute({ method: 'GET', path: '/v1/parameters', operationId: 'getParameters', handle: async () => ({ body: { ...(await service.getParameters()), ...(issuer ? { issuer } : {}) } }) }),
    defineRoute({
      method: 'PATCH',
      path: '/v1/parameters',
      operationId: 'setParameters',
      // The values are checked by the domain (checkParameterUpdate): unknown names and bad values are its errors.
      body: z.record(z.string(), z.unknown()),
      handle: async ({ body, principal }) => ({ body: await service.setParameters({ actor: principal }, body as Partial<ServiceParameters>) }),
    }),
  ];
}

export function auditRoutes(service: AdminService, now: () => Date = () => new Date()): RouteModule {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/audit',
      operationId: 'listAudit',
      query: z.object({ device: z.string().max(64).optional(), actor: z.string().min(1).max(512).optional(), since: z.string().max(40).optional(), until: z.string().max(40).optional(), ...pageQuery }).strict(),
      handle: async ({ query }) => {
        const at = now();
        const since = instant('since', query.since, at);
        const until = instant('until', query.until, at);
        const page = await service.listAudit({
          limit: query.limit,
          ...(query.device ? { deviceName: query.device } : {}),
          ...(query.actor ? { actor: query.actor } : {}),
          ...(since ? { since } : {}),
          ...(until ? { until } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
        });
        return { body: page, headers: { 'cache-control': 'no-store' } };
      },
    }),
  ];
}
