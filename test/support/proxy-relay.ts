// A stand-in for the Network Load Balancer with proxy protocol v2 on: a TCP relay on 127.0.0.1 that opens a
// connection to the listener for each client and puts a PROXY v2 header naming `source` in front of the client's bytes,
// in the same segment as the client's first bytes (as the NLB does) or, with `separateHeader`, on its own before them.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { encodeProxyV2Header, type ProxyAddress } from '../../shared/protocol/proxy-header.ts';

/** The address the phone connected to (the load balancer's), in each family. */
const LOAD_BALANCER: Record<ProxyAddress['family'], ProxyAddress> = {
  IPv4: { address: '203.0.113.10', port: 3804, family: 'IPv4' },
  IPv6: { address: '2001:db8:ffff::10', port: 3804, family: 'IPv6' },
};

export interface ProxyRelay {
  port: number;
  /** Changes the address the next connections claim. */
  source: ProxyAddress;
  close(): Promise<void>;
}

export async function startProxyRelay(target: { host: string; port: number }, source: ProxyAddress, options: { separateHeader?: boolean } = {}): Promise<ProxyRelay> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const relay: ProxyRelay = { port: 0, source, close: async () => undefined };
  const server: Server = createServer((client) => {
    track(client);
    const upstream = connect(target.port, target.host);
    track(upstream);
    const header = encodeProxyV2Header(relay.source, LOAD_BALANCER[relay.source.family]);
    if (options.separateHeader) upstream.write(header);
    client.once('data', (first: Buffer) => {
      upstream.write(options.separateHeader ? first : Buffer.concat([header, first]));
      client.pipe(upstream);
    });
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.port = (server.address() as AddressInfo).port;
  relay.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return relay;
}
