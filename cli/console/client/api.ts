// The console's calls to the admin API, through its own server (/api/v1/...): the session cookie goes along by
// itself, and changes carry the CSRF token the server handed to this page (/session). An error answer becomes an
// ApiFailure with the API's code and message, shown beside the control it concerns.

export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly allowed?: unknown,
  ) {
    super(message);
  }
}

export interface Session {
  csrf: string;
  target: string;
  local: boolean;
}

let session: Promise<Session> | undefined;

/** Fetches the session once (its CSRF token); changes wait for it, reads do not need it. */
export function startSession(): Promise<Session> {
  session ??= fetch('/session', { credentials: 'same-origin' }).then(async (response) => {
    if (!response.ok) throw new ApiFailure('no console session: open the URL that capf console printed', response.status, 'NO_SESSION');
    return (await response.json()) as Session;
  });
  return session;
}

type Query = Record<string, string | number | undefined>;

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return `/api/v1${path}${text ? `?${text}` : ''}`;
}

async function answer<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiFailure(`the console answered ${response.status} without JSON`, response.status, 'BAD_ANSWER');
  }
  if (!response.ok) {
    const error = (body ?? {}) as { code?: string; message?: string; allowed?: unknown };
    const allowed = error.allowed === undefined ? '' : ` (allowed: ${typeof error.allowed === 'string' ? error.allowed : JSON.stringify(error.allowed)})`;
    throw new ApiFailure(`${error.message ?? `the admin API answered ${response.status}`}${allowed}`, response.status, error.code ?? `HTTP_${response.status}`, error.allowed);
  }
  return body as T;
}

export async function get<T>(path: string, query?: Query): Promise<T> {
  return answer<T>(await fetch(url(path, query), { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

export async function send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, query?: Query): Promise<T> {
  const { csrf } = await startSession();
  const headers: Record<string, string> = { accept: 'application/json', 'x-capf-csrf': csrf };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return answer<T>(await fetch(url(path, query), { method, credentials: 'same-origin', headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
}

/** A path segment of a device name or an id. */
export const segment = encodeURIComponent;
