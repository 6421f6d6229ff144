// A DynamoDB endpoint that throttles: an HTTP proxy on 127.0.0.1 in front of dynalite or moto_server that answers a
// share of the requests itself, as DynamoDB does when a partition is hot (400 with the JSON error body of
// ProvisionedThroughputExceededException or ThrottlingException; the request never reaches the table), and can lose the
// answer of another share after forwarding it (500 InternalServerError: the write reached the table, the client does not
// know). Which requests are hit is decided by seeded generators, one per operation (the X-Amz-Target header's action),
// so the n-th request of an operation meets the same fault in every run whatever the interleaving; the counts are kept
// per operation for the test to check the faults really happened.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ThrottleProxyOptions {
  /** The real endpoint, http://host:port. */
  target: string;
  /** Share (0-1) of requests answered with a throttling error without forwarding them. */
  throttle: number;
  /** Share (0-1) of the requests of `loseAnswersOf` forwarded, then answered 500 as if the answer was lost. */
  lostAnswer?: number;
  /** The actions whose answers may be lost (e.g. UpdateItem). */
  loseAnswersOf?: readonly string[];
  /** The actions that may be throttled; all when absent. */
  throttleOnly?: readonly string[];
  seed?: number;
}

export interface ThrottleProxy {
  endpoint: string;
  /** Throttled requests per action. */
  throttled: Map<string, number>;
  /** Forwarded requests answered 500 per action. */
  lost: Map<string, number>;
  /** Every request per action. */
  seen: Map<string, number>;
  /** Stops injecting (everything is forwarded from now on). */
  heal(): void;
  close(): Promise<void>;
}

const THROTTLES = [
  { type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.' },
  { type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' },
];

/** mulberry32: a small seeded generator, so the same seed hits the same requests. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const bump = (counts: Map<string, number>, action: string) => counts.set(action, (counts.get(action) ?? 0) + 1);

function answer(res: import('node:http').ServerResponse, status: number, type: string, message: string): void {
  const text = JSON.stringify({ __type: type, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `proxy-${Date.now()}`, 'content-length': Buffer.byteLength(text) }).end(text);
}

export async function startThrottleProxy(options: ThrottleProxyOptions): Promise<ThrottleProxy> {
  const target = new URL(options.target);
  const generators = new Map<string, () => number>();
  const random = (action: string, what: string) => {
    const key = `${what}:${action}`;
    let next = generators.get(key);
    if (!next) {
      let seed = options.seed ?? 14;
      for (const char of key) seed = Math.imul(seed ^ char.charCodeAt(0), 0x9e3779b1) >>> 0;
      generators.set(key, (next = generator(seed)));
    }
    return next();
  };
  const throttled = new Map<string, number>();
  const lost = new Map<string, number>();
  const seen = new Map<string, number>();
  let healed = false;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const payload = await body(req);
      const action = String(req.headers['x-amz-target'] ?? '').split('.').pop() || 'unknown';
      bump(seen, action);
      const mayThrottle = !options.throttleOnly || options.throttleOnly.includes(action);
      if (!healed && mayThrottle && random(action, 'throttle') < options.throttle) {
        bump(throttled, action);
        const pick = THROTTLES[(throttled.get(action) ?? 0) % THROTTLES.length]!;
        answer(res, 400, pick.type, pick.message);
        return;
      }
      const loseIt = !healed && (options.loseAnswersOf ?? []).includes(action) && random(action, 'lose') < (options.lostAnswer ?? 0);
      const forwarded = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
        void body(upstream).then((text) => {
          if (loseIt) {
            bump(lost, action);
            answer(res, 500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error');
            return;
          }
          res.writeHead(upstream.statusCode ?? 502, upstream.headers).end(text);
        });
      });
      forwarded.on('error', () => res.destroy());
      forwarded.end(payload);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttled,
    lost,
    seen,
    heal: () => {
      healed = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
