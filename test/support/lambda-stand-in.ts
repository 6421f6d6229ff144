// The Lambda Invoke HTTP API as a small stand-in on loopback (moto cannot run Lambda code without Docker): POST
// /2015-03-31/functions/<name>/invocations goes to `invoke`, whose reply is the payload, with X-Amz-Function-Error when
// the function failed, as the Node runtime reports a thrown error ({ errorType, errorMessage, trace }).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInReply {
  body: string;
  /** The X-Amz-Function-Error value (e.g. `Unhandled`) when the function failed. */
  functionError?: string;
}

export interface LambdaStandIn {
  endpoint: string;
  close(): Promise<void>;
}

export async function startLambdaStandIn(invoke: (functionName: string, payload: string) => Promise<StandInReply>): Promise<LambdaStandIn> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      void invoke(decodeURIComponent(match[1] as string), Buffer.concat(chunks).toString('utf8')).then(({ body, functionError }) =>
        res.writeHead(200, { 'content-type': 'application/json', ...(functionError ? { 'x-amz-function-error': functionError } : {}) }).end(body),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs a handler on the payload: its answer, or its error the way the Node runtime reports it. */
export async function handlerReply<T>(run: () => Promise<T>): Promise<StandInReply> {
  try {
    return { body: JSON.stringify(await run()) };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    return { body: JSON.stringify({ errorType: name, errorMessage: message, trace: [] }), functionError: 'Unhandled' };
  }
}
