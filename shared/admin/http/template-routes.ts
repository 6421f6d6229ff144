// Universal device templates over the admin API (F10): list (with the default), create, show, delete, set or clear
// the default. The service (shared/admin/templates.ts) checks and audits; this maps HTTP to it.
import * as z from 'zod';
import { AUTH_MODES, CERTIFICATE_OPERATIONS, EC_CURVES, KEY_ORDERS, RSA_KEY_SIZES } from '../../model.ts';
import { MAX_TEMPLATE_DESCRIPTION, TEMPLATE_DEADLINE_DAYS, TEMPLATE_NAME, type TemplateAdmin } from '../templates.ts';
import { defineRoute, type RouteModule } from './router.ts';

const enumOf = <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]]);
const name = z.string().regex(TEMPLATE_NAME, '1-64 of A-Z a-z 0-9 _ . -');

export const templateBodySchema = z
  .object({
    name,
    description: z.string().max(MAX_TEMPLATE_DESCRIPTION).optional(),
    operation: enumOf(CERTIFICATE_OPERATIONS).optional(),
    authMode: enumOf(AUTH_MODES).optional(),
    keyOrder: enumOf(KEY_ORDERS).optional(),
    rsaKeySize: z.literal(RSA_KEY_SIZES as number[]).optional(),
    curve: enumOf(EC_CURVES).optional(),
    deadlineDays: z.number().int().min(TEMPLATE_DEADLINE_DAYS.min).max(TEMPLATE_DEADLINE_DAYS.max).optional(),
    default: z.boolean().optional(),
  })
  .strict();

export function templateRoutes(templates: TemplateAdmin): RouteModule {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/templates',
      operationId: 'listTemplates',
      handle: async () => ({ body: await templates.list() }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/templates',
      operationId: 'createTemplate',
      body: templateBodySchema,
      handle: async ({ body, principal }) => {
        const { default: makeDefault, ...input } = body;
        return { status: 201, body: await templates.create(principal, { ...input, ...(makeDefault ? { makeDefault } : {}) }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/templates/{name}',
      operationId: 'getTemplate',
      handle: async ({ params }) => ({ body: await templates.show(params.name!) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/templates/{name}',
      operationId: 'deleteTemplate',
      handle: async ({ params, principal }) => ({ body: { deleted: await templates.delete(principal, params.name!) } }),
    }),
    defineRoute({
      method: 'PUT',
      path: '/v1/template-default',
      operationId: 'setDefaultTemplate',
      body: z.object({ name: name.nullable() }).strict(),
      handle: async ({ body, principal }) => ({ body: await templates.setDefault(principal, body.name ?? undefined) }),
    }),
  ];
}
