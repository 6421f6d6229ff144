// The trust stores over the admin API (F6): list, add an upload (PEM text in JSON), show, remove, remove the MIC
// roots. The service (shared/admin/trust.ts) checks ids, classifies, refuses and audits; this maps HTTP to it.
import * as z from 'zod';
import { TRUST_STORE_NAMES } from '../../ports/index.ts';
import { MAX_DESCRIPTION_CHARS, type TrustAdmin } from '../trust.ts';
import { defineRoute, type RouteModule } from './router.ts';

const store = z.enum(TRUST_STORE_NAMES);

export function trustRoutes(trust: TrustAdmin): RouteModule {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/trust',
      operationId: 'listTrust',
      query: z.object({ store: store.optional() }).strict(),
      handle: async ({ query }) => ({ body: { entries: await trust.list(query.store) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/trust',
      operationId: 'addTrust',
      body: z.object({ store, pem: z.string().min(1).max(60_000), description: z.string().max(MAX_DESCRIPTION_CHARS * 2).optional() }).strict(),
      handle: async ({ body, principal }) => ({
        status: 201,
        body: await trust.add({ actor: principal }, body.pem, { store: body.store, ...(body.description !== undefined ? { description: body.description } : {}) }),
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/trust/{id}',
      operationId: 'getTrust',
      query: z.object({ store: store.optional() }).strict(),
      handle: async ({ params, query }) => ({ body: { entries: await trust.show(params.id!, query.store) } }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/trust/{id}',
      operationId: 'removeTrust',
      query: z.object({ store: store.optional() }).strict(),
      handle: async ({ params, query, principal }) => ({ body: { removed: await trust.remove({ actor: principal }, params.id!, query.store) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/trust/remove-mic-roots',
      operationId: 'removeMicRoots',
      handle: async ({ principal }) => ({ body: { removed: await trust.removeMicRoots({ actor: principal }) } }),
    }),
  ];
}
