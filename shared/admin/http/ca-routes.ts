// The CAPF certificate over the admin API (F4): show it, export its PEM for CUCM's CallManager-trust and the phones'
// ITL/CTL, regenerate it, import the administrator's own. The service (shared/admin/ca.ts) checks, keeps the replaced
// certificate in CAPF-trust and audits; this maps HTTP to it. A private key only ever comes in (import), never out.
import * as z from 'zod';
import type { CaAdmin } from '../ca.ts';
import { ApiError } from './api-error.ts';
import { defineRoute, type RouteModule } from './router.ts';

/** A PEM certificate or key is a few KiB; the router's body bound (64 KiB) holds both. */
const MAX_PEM_CHARS = 16_384;

/**
 * `ca` undefined: this stack's issuer has no CAPF CA of its own (AWS Private CA, an online or offline CA); every
 * route then answers 404 NO_CAPF_CA naming the issuer, so the operations stay documented and discoverable.
 */
export function caRoutes(ca: CaAdmin | undefined, issuer = 'this issuer'): RouteModule {
  const need = (): CaAdmin => {
    if (!ca) throw new ApiError(404, `the stack's issuer (${issuer}) has no CAPF CA of its own; its CA is administered where it lives`, 'NO_CAPF_CA');
    return ca;
  };
  return [
    defineRoute({ method: 'GET', path: '/v1/ca', operationId: 'getCa', handle: async () => ({ body: await need().show() }) }),
    defineRoute({
      method: 'GET',
      path: '/v1/ca/certificate',
      operationId: 'exportCa',
      handle: async () => ({ body: { pem: await need().export() } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/ca/regenerate',
      operationId: 'regenerateCa',
      body: z.object({ keyType: z.enum(['rsa', 'ec']).optional(), commonName: z.string().min(1).max(64).optional() }).strict(),
      handle: async ({ body, principal }) => ({
        body: await need().regenerate({ actor: principal }, { ...(body.keyType ? { keyType: body.keyType } : {}), ...(body.commonName !== undefined ? { commonName: body.commonName } : {}) }),
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/ca/import',
      operationId: 'importCa',
      body: z.object({ certificatePem: z.string().min(1).max(MAX_PEM_CHARS), privateKeyPem: z.string().min(1).max(MAX_PEM_CHARS) }).strict(),
      handle: async ({ body, principal }) => ({ body: await need().import({ actor: principal }, body.certificatePem, body.privateKeyPem) }),
    }),
  ];
}
