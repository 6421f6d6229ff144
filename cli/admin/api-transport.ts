// How the CLI reaches an admin API: a local stack's (bearer token from its data folder) or a deployed stack's behind
// API Gateway with IAM authorisation (SigV4 with the default AWS credential chain and region). Each transport sends
// one JSON request and gives back the status and the parsed body; a network failure is UnreachableError (exit 3).
import { UnreachableError } from '../exit-codes.ts';

export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the endpoint, e.g. /v1/devices/SEP001122334455. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export interface ApiTransport {
  /** Where requests go, for messages. */
  readonly description: string;
  send(call: ApiCall): Promise<ApiAnswer>;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** Answers over this are refused rather than buffered. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export function callUrl(endpoint: URL, call: ApiCall): URL {
  const url = new URL(endpoint.toString());
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${call.path}`;
  for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  return url;
}

/** Sends with fetch; `headers` are the final headers (already signed, when signing). */
export async function sendHttp(url: URL, method: string, headers: Record<string, string>, body: string | undefined, where: string): Promise<ApiAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new UnreachableError(`cannot reach the admin API at ${where} (${cause}): check --endpoint / CAPF_ENDPOINT, or that capf serve is running`, 'UNREACHABLE', { cause: error });
  }
  const text = await response.text();
  if (text.length > MAX_ANSWER_BYTES) throw new UnreachableError(`the admin API at ${where} answered more than ${MAX_ANSWER_BYTES} bytes`, 'BAD_ANSWER');
  let parsed: unknown;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    throw new UnreachableError(`the admin API at ${where} answered ${response.status} with a body that is not JSON: is ${where} the capf admin API?`, 'BAD_ANSWER');
  }
  return { status: response.status, body: parsed };
}

/** The local stack's API: Authorization: Bearer <token from the data folder's admin-token>. */
export function bearerTransport(endpoint: URL, token: string): ApiTransport {
  return {
    description: `admin API ${endpoint.origin}`,
    send(call) {
      const body = call.body === undefined ? undefined : JSON.stringify(call.body);
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
      return sendHttp(callUrl(endpoint, call), call.method, headers, body, endpoint.origin);
    },
  };
}
