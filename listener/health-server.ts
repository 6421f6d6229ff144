// The health endpoint the load balancer's target checks and the container's own check call (GET /health). Behind the
// NLB with PROXY protocol on, AWS puts a header in front of its health checks too (without a client address), while
// the container check on 127.0.0.1 sends none: so a header is read when present and never required here.
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { receiveConnection } from './connection-intake.ts';

export function startHealthServer(port: number, host: string, proxyProtocol: 'off' | 'v2', handler: RequestListener): Server {
  const http = createHttpServer(handler);
  if (proxyProtocol === 'off') return http.listen(port, host);
  const tcp = createTcpServer((socket) =>
    receiveConnection(socket, {
      mode: 'optional',
      timeoutMs: 5_000,
      onReady: (ready) => http.emit('connection', ready),
      onRefused: () => undefined, // a malformed header earns no answer; the check fails, as it should
    }),
  );
  tcp.once('close', () => http.close());
  return tcp.listen(port, host);
}
