// The admin API's one router, framework-free: a request {method, path, query, headers, body, principal} becomes a
// response {status, headers, body}. The admin function (API Gateway payload v2) and the local admin server of
// `capf serve` both adapt to it. Routes come in modules (devices, parameters, audit; trust, CA, CRL... add theirs):
// each route names its method, path template, operationId (as in docs/openapi.yaml) and zod schemas for its query and
// body; the router matches, parses, validates, calls, and maps errors to { code, message, allowed? } JSON.
import * as z from 'zod';
import { ApiError, errorAnswer, invalidRequest, type ApiErrorBody } from './api-error.ts';

export interface ApiRequest {
  method: string;
  /** The path without the query string, e.g. /v1/devices/SEP001122334455. */
  path: string;
  query: Record<string, string | undefined>;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The raw body (JSON text), if any. */
  body?: string;
  /** Who calls: the IAM principal ARN (AWS) or `local`. */
  principal: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON-serialisable; absent for 204. */
  body?: unknown;
  /** Bytes sent as they are, instead of a JSON body (e.g. a DER CRL); `headers` give their content-type. */
  rawBody?: Uint8Array;
}

export interface RouteInput<Query, Body> {
  params: Record<string, string>;
  query: Query;
  body: Body;
  headers: Record<string, string | undefined>;
  principal: string;
}

/** What a route answers: a body (status 200 unless given) and extra headers. */
export interface RouteResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON answer (e.g. application/pkix-crl), instead of `body`. */
  raw?: { contentType: string; bytes: Uint8Array };
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path template with {param} segments, e.g. /v1/devices/{name}. */
  path: string;
  /** The operationId of docs/openapi.yaml (the contract test checks every one is served). */
  operationId: string;
  handle(request: ApiRequest, params: Record<string, string>): Promise<RouteResult>;
}

/** Builds a route whose query and body are parsed by zod schemas before `handle` sees them. */
export function defineRoute<Q = undefined, B = undefined>(spec: {
  method: Route['method'];
  path: string;
  operationId: string;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  handle: (input: RouteInput<Q, B>) => Promise<RouteResult>;
}): Route {
  return {
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    async handle(request, params) {
      const query = spec.query ? parse('query', spec.query, request.query) : (undefined as Q);
      const body = spec.body ? parse('body', spec.body, parseJson(request)) : (undefined as B);
      return spec.handle({ params, query, body, headers: request.headers, principal: request.principal });
    },
  };
}

/** Bodies over this are refused before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

function parseJson(request: ApiRequest): unknown {
  const text = request.body ?? '';
  if (text.length === 0) return {};
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new ApiError(413, `the body is over ${MAX_BODY_BYTES} bytes`, 'BODY_TOO_LARGE', { max: MAX_BODY_BYTES });
  const type = request.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) throw new ApiError(415, 'send the body as application/json', 'UNSUPPORTED_MEDIA_TYPE', ['application/json']);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'the body is not valid JSON', 'INVALID_JSON');
  }
}

function parse<T>(where: 'query' | 'body', schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(where, parsed.error);
  return parsed.data;
}

/** A set of routes a feature adds (devices, parameters, audit, trust, CA...). */
export type RouteModule = readonly Route[];

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

export interface RouterOptions {
  /** Called with each 5xx's error (log it); the caller gets only the code and a generic message. */
  onInternalError?: (error: unknown, request: ApiRequest) => void;
}

export class ApiRouter {
  private readonly routes: CompiledRoute[] = [];

  constructor(
    modules: readonly RouteModule[],
    private readonly options: RouterOptions = {},
  ) {
    for (const module of modules) for (const route of module) this.add(route);
  }

  /** The routes served, for the contract test and the docs. */
  get operations(): { method: string; path: string; operationId: string }[] {
    return this.routes.map(({ route }) => ({ method: route.method, path: route.path, operationId: route.operationId }));
  }

  add(route: Route): void {
    const names: string[] = [];
    const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([a-zA-Z]+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    if (this.routes.some((r) => r.route.method === route.method && r.route.path === route.path)) throw new Error(`route ${route.method} ${route.path} is defined twice`);
    this.routes.push({ route, pattern: new RegExp(`^${source}$`), names });
  }

  async handle(request: ApiRequest): Promise<ApiResponse> {
    try {
      const { route, params } = this.match(request);
      const result = await route.handle(request, params);
      const status = result.status ?? 200;
      if (result.raw) return { status, headers: { 'content-type': result.raw.contentType, ...result.headers }, rawBody: result.raw.bytes };
      return { status, headers: { ...(result.body !== undefined ? { 'content-type': 'application/json' } : {}), ...result.headers }, ...(result.body !== undefined ? { body: result.body } : {}) };
    } catch (error) {
      const answer = errorAnswer(error);
      if (answer.internal) this.options.onInternalError?.(error, request);
      return { status: answer.status, headers: { 'content-type': 'application/json', ...answer.headers }, body: answer.body satisfies ApiErrorBody };
    }
  }

  private match(request: ApiRequest): { route: Route; params: Record<string, string> } {
    const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
    const allowed: string[] = [];
    for (const { route, pattern, names } of this.routes) {
      const found = pattern.exec(path);
      if (!found) continue;
      if (route.method !== request.method.toUpperCase()) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = decodeSegment(found[i + 1]!);
      });
      return { route, params };
    }
    if (allowed.length > 0) throw new ApiError(405, `${request.method} is not allowed on ${path}`, 'METHOD_NOT_ALLOWED', allowed, { allow: allowed.join(', ') });
    throw new ApiError(404, `no operation at ${path}; see docs/openapi.yaml`, 'ROUTE_NOT_FOUND');
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, 'a path segment is not valid percent-encoding', 'INVALID_PATH');
  }
}
