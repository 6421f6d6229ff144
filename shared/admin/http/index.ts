// The admin API: the router with the route modules of the admin service. A feature adds its module here (trust, CA,
// CRL, imports, bulk: each a function of the service returning its routes) and its operations to docs/openapi.yaml.
import type { AdminService } from '../admin-service.ts';
import { certificateRoutes } from './certificate-routes.ts';
import { deviceRoutes } from './device-routes.ts';
import { bulkRoutes } from './bulk-routes.ts';
import { auditRoutes, parameterRoutes } from './parameter-routes.ts';
import { ApiRouter, type RouteModule, type RouterOptions } from './router.ts';

export * from './api-error.ts';
export * from './router.ts';
export { trustRoutes } from './trust-routes.ts';
export { caRoutes } from './ca-routes.ts';

export interface AdminRouterOptions extends RouterOptions {
  /** Route modules of further features, served next to the core ones. */
  modules?: readonly RouteModule[];
  now?: () => Date;
  /** The issuer in use (CAPF_ISSUER, capf serve --issuer): GET /v1/parameters shows it (read-only). */
  issuer?: string;
}

export function createAdminRouter(service: AdminService, options: AdminRouterOptions = {}): ApiRouter {
  return new ApiRouter([deviceRoutes(service), bulkRoutes(service, options.now), parameterRoutes(service, options.issuer), auditRoutes(service, options.now), certificateRoutes(service, options.now), ...(options.modules ?? [])], options);
}
