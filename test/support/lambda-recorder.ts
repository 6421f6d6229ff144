// A stand-in for the Lambda Invoke API on loopback (moto_server would run the function in Docker): it answers every
// POST /2015-03-31/functions/{name}/invocations with 202, as Lambda answers an asynchronous invoke, and records what
// was asked (function, invocation type, payload) for the test to hand to the real handler.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedInvoke {
  functionName: string;
  invocationType: string;
  payload: unknown;
}

export interface LambdaRecorder {
  url: string;
  invokes: RecordedInvoke[];
  close(): Promise<void>;
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startLambdaRecorder(): Promise<LambdaRecorder> {
  const invokes: RecordedInvoke[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = INVOKE.exec((req.url ?? '').split('?')[0]!);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'not an invoke' }));
        return;
      }
      const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      const text = Buffer.concat(chunks).toString('utf8');
      invokes.push({ functionName: decodeURIComponent(match[1]!), invocationType: type, payload: text ? (JSON.parse(text) as unknown) : undefined });
      res.writeHead(type === 'Event' ? 202 : 200, { 'content-type': 'application/json' }).end(type === 'Event' ? '' : 'null');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invokes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
