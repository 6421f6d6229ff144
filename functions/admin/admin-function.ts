// The admin function's definition (functions/bootstrap.ts runs it): an API Gateway HTTP API event (payload v2) becomes
// a request of the admin router (shared/admin/http), the caller being the IAM principal the IAM authoriser verified;
// the router's answer becomes the HTTP response. Errors are answers already (JSON { code, message }); a 5xx is logged.
import * as z from 'zod';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { ApiRequest, ApiRouter } from '../../shared/admin/http/index.ts';
import type { FunctionDefinition, FunctionTools } from '../bootstrap.ts';

export interface AdminDeps {
  router: ApiRouter;
}

/** The parts of the payload v2 event the router needs; everything else is ignored. */
export const httpApiEventSchema = z.object({
  rawPath: z.string().max(2048),
  rawQueryString: z.string().max(8192).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  queryStringParameters: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({
    http: z.object({ method: z.string().max(16) }),
    authorizer: z.object({ iam: z.object({ userArn: z.string().max(2048) }).partial().passthrough() }).partial().passthrough().optional(),
  }),
});

export type HttpApiEvent = z.infer<typeof httpApiEventSchema>;

function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResultV2 {
  return { statusCode: status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** The router's request from the event; the principal is the SigV4 caller API Gateway's IAM authoriser verified. */
export function apiRequest(event: HttpApiEvent): ApiRequest | undefined {
  const principal = event.requestContext.authorizer?.iam?.userArn;
  if (!principal) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return { method: event.requestContext.http.method, path: event.rawPath, query: { ...event.queryStringParameters }, headers, principal, ...(body ? { body } : {}) };
}

export function adminFunction(deps: (tools: FunctionTools) => Promise<AdminDeps>): FunctionDefinition<HttpApiEvent, APIGatewayProxyResultV2, AdminDeps> {
  return {
    input: httpApiEventSchema as z.ZodType<HttpApiEvent>,
    invalidInput: (problems) => json(400, { code: 'INVALID_REQUEST', message: `the request is not valid: ${problems}` }),
    logKeys: (event) => ({ method: event.requestContext.http.method, path: event.rawPath.slice(0, 200), caller: event.requestContext.authorizer?.iam?.userArn }),
    deps,
    async work(event, { router }, { logger }) {
      const request = apiRequest(event);
      // The IAM authoriser runs before every route; an event without its caller did not come through it.
      if (!request) return json(401, { code: 'UNAUTHORISED', message: 'sign the request with SigV4 (IAM authorisation)' });
      const response = await router.handle(request);
      if (response.status >= 400) logger?.info('admin request refused', { status: response.status, code: (response.body as { code?: string } | undefined)?.code });
      if (response.rawBody) return { statusCode: response.status, headers: response.headers, body: Buffer.from(response.rawBody).toString('base64'), isBase64Encoded: true };
      return { statusCode: response.status, headers: response.headers, ...(response.body !== undefined ? { body: JSON.stringify(response.body) } : {}) };
    },
    onFailure: (error, { logger }) => logger?.error('admin request failed', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  };
}
