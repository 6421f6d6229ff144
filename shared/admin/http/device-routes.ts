// Device routes: list (by status, name prefix, operation, authentication mode; paged), create, get, change, delete, arm an operation. A
// device response carries its version as ETag; If-Match on a change or delete makes it conditional on that version.
import * as z from 'zod';
import type { AdminService, DeviceResult } from '../admin-service.ts';
import type { DeviceView } from '../redaction.ts';
import type { RouteModule } from './router.ts';
import { defineRoute } from './router.ts';
import { authModeSchema, deviceChangeSchema, expectedVersion, operationSchema, operationStatusSchema, pageQuery } from './schemas.ts';

function deviceAnswer(device: DeviceView | DeviceResult, status = 200) {
  return { status, body: device, headers: { etag: `"${device.version}"`, 'cache-control': 'no-store' } };
}

export function deviceRoutes(service: AdminService): RouteModule {
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/devices',
      operationId: 'listDevices',
      query: z
        .object({
          status: operationStatusSchema.optional(),
          prefix: z.string().max(64).regex(/^[A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only').optional(),
          operation: operationSchema.optional(),
          authMode: authModeSchema.optional(),
          ...pageQuery,
        })
        .strict(),
      handle: async ({ query }) => {
        const page = await service.listDevices({
          limit: query.limit,
          ...(query.status ? { status: query.status } : {}),
          ...(query.prefix ? { namePrefix: query.prefix } : {}),
          ...(query.operation ? { operation: query.operation } : {}),
          ...(query.authMode ? { authMode: query.authMode } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
        });
        return { body: page };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/devices',
      operationId: 'createDevice',
      body: deviceChangeSchema.extend({ name: z.string().min(1).max(64), template: z.string().min(1).max(64).optional() }).strict(),
      handle: async ({ body, principal }) => {
        const { name, template, ...change } = body;
        return deviceAnswer(await service.createDevice({ actor: principal }, name, change, template), 201);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/devices/{name}',
      operationId: 'getDevice',
      handle: async ({ params }) => deviceAnswer(await service.getDevice(params.name!)),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/devices/{name}/certificates',
      operationId: 'listDeviceCertificates',
      handle: async ({ params }) => ({ body: { certificates: await service.deviceCertificates(params.name!) } }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/v1/devices/{name}',
      operationId: 'changeDevice',
      body: deviceChangeSchema,
      handle: async ({ params, body, headers, principal }) => deviceAnswer(await service.changeDevice({ actor: principal }, params.name!, body, expectedVersion(headers))),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/devices/{name}',
      operationId: 'deleteDevice',
      handle: async ({ params, headers, principal }) => ({ body: { deleted: await service.deleteDevice({ actor: principal }, params.name!, expectedVersion(headers)) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/devices/{name}/operation',
      operationId: 'armOperation',
      body: deviceChangeSchema.required({ operation: true }).strict(),
      handle: async ({ params, body, headers, principal }) => deviceAnswer(await service.armOperation({ actor: principal }, params.name!, body, expectedVersion(headers))),
    }),
  ];
}
