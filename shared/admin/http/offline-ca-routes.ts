// The offline CA over the admin API (F3, F20, F21): pending CSRs (list with timestamps, count, the PEM, delete one or
// all), stale LSCs (list, delete all) and the import of signed certificates (the bytes of a file, base64, as
// `capf cert import` reads it). The services (shared/admin/csrs.ts, the importer) check, refuse and audit.
import * as z from 'zod';
import type { CsrAdmin } from '../csrs.ts';
import { MAX_BUNDLE_BYTES } from '../../pki/certificate-bundle.ts';
import { ApiError } from './api-error.ts';
import { defineRoute, MAX_BODY_BYTES, type RouteModule } from './router.ts';

export interface OfflineCaAdmin {
  csrs: CsrAdmin;
  /** The importer (shared/issuers/offline/certificate-import.ts) acting for `actor`, the caller's principal. */
  importer(actor: string): { importBytes(source: string, bytes: Uint8Array): Promise<object> };
}

/** A file name: no folders, no control characters. */
function plainFileName(name: string): boolean {
  return !/[/\\]/.test(name) && [...name].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);
}

const NO_STORE = { 'cache-control': 'no-store' };
/** Base64 of a file the JSON body can carry. */
const MAX_BASE64 = Math.min(MAX_BODY_BYTES - 1024, Math.ceil(MAX_BUNDLE_BYTES / 3) * 4);

function decodeBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(text)) throw new ApiError(400, 'content must be base64 (the bytes of the PEM, DER or PKCS#7 file)', 'INVALID_BASE64');
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function offlineCaRoutes(offline: OfflineCaAdmin): RouteModule {
  const { csrs } = offline;
  return [
    defineRoute({
      method: 'GET',
      path: '/v1/csrs',
      operationId: 'listCsrs',
      query: z.object({ all: z.enum(['true', 'false']).optional() }).strict(),
      handle: async ({ query }) => ({ body: { csrs: await csrs.list({ all: query.all === 'true' }) }, headers: NO_STORE }),
    }),
    defineRoute({ method: 'GET', path: '/v1/csrs/count', operationId: 'countCsrs', handle: async () => ({ body: await csrs.count(), headers: NO_STORE }) }),
    defineRoute({
      method: 'POST',
      path: '/v1/csrs/delete-all',
      operationId: 'deleteAllCsrs',
      handle: async ({ principal }) => ({ body: { deleted: await csrs.deleteAll({ actor: principal }) } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/csrs/{name}',
      operationId: 'getCsr',
      handle: async ({ params }) => ({ body: await csrs.show(params.name!), headers: NO_STORE }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/v1/csrs/{name}',
      operationId: 'deleteCsr',
      handle: async ({ params, principal }) => ({ body: { deleted: await csrs.delete({ actor: principal }, params.name!) } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/stale-lscs',
      operationId: 'listStaleLscs',
      handle: async () => ({ body: { staleLscs: await csrs.staleList() }, headers: NO_STORE }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/stale-lscs/delete-all',
      operationId: 'deleteAllStaleLscs',
      handle: async ({ principal }) => ({ body: { deleted: await csrs.staleDeleteAll({ actor: principal }) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/v1/certificates/import',
      operationId: 'importCertificates',
      body: z
        .object({
          /** The file's name, for the report and the audit trail (`api:<name>`). */
          name: z.string().min(1).max(200).refine(plainFileName, 'a file name without folders or control characters'),
          content: z.string().min(1).max(MAX_BASE64),
        })
        .strict(),
      handle: async ({ body, principal }) => {
        const bytes = decodeBase64(body.content);
        if (bytes.length > MAX_BUNDLE_BYTES) throw new ApiError(413, `the file is over ${MAX_BUNDLE_BYTES} bytes`, 'FILE_TOO_LARGE', { max: MAX_BUNDLE_BYTES });
        const report = await offline.importer(principal).importBytes(`api:${body.name}`, bytes);
        return { body: report };
      },
    }),
  ];
}
