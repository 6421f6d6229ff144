// A stand-in for API Gateway with IAM authorisation, on loopback: each request's SigV4 signature (service
// execute-api) is checked by signing the same request again with the SDK's signer and the caller's known secret; a
// request that does not verify gets 403 like API Gateway's, one that does goes to `forward` (the admin router).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface StandInRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body?: string;
  /** The access key id that signed. */
  principal: string;
}

export interface StandIn {
  url: string;
  /** Requests refused for their signature (for assertions). */
  refused: number;
  close(): Promise<void>;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_048_576) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** True when the request carries a valid signature by `credentials` for `region`/execute-api. */
async function verifies(req: IncomingMessage, body: string, credentials: { accessKeyId: string; secretAccessKey: string }, region: string): Promise<boolean> {
  const match = AUTHORIZATION.exec(req.headers.authorization ?? '');
  const amzDate = req.headers['x-amz-date'];
  if (!match || typeof amzDate !== 'string' || match[1] !== credentials.accessKeyId || match[3] !== region || match[4] !== 'execute-api') return false;
  const signedHeaders = (match[5] as string).split(';');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Hash.bind(null, 'sha256') });
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const again = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, ...(body ? { body } : {}) },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expected = AUTHORIZATION.exec(String(again.headers.authorization));
  return expected !== null && expected[6] === match[6] && expected[5] === match[5];
}

export async function startSigV4StandIn(options: {
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  forward: (request: StandInRequest) => Promise<{ status: number; headers?: Record<string, string>; body?: unknown }>;
}): Promise<StandIn> {
  const state = { refused: 0 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (!(await verifies(req, body, options.credentials, options.region))) {
        state.refused += 1;
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }));
        return;
      }
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const query: Record<string, string> = {};
      for (const [key, value] of url.searchParams) query[key] = value;
      const headers: Record<string, string | undefined> = {};
      for (const [key, value] of Object.entries(req.headers)) headers[key] = Array.isArray(value) ? value.join(', ') : value;
      const answer = await options.forward({ method: req.method ?? 'GET', path: url.pathname, query, headers, ...(body ? { body } : {}), principal: options.credentials.accessKeyId });
      res.writeHead(answer.status, { ...(answer.body !== undefined ? { 'content-type': 'application/json' } : {}), ...answer.headers });
      res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
