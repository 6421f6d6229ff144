// The CAPF TLS listener (TCP 3804): one session per connection, with a handshake timeout, per-message timeouts, a
// concurrency limit, TCP keepalive (F14), certificate reload without restart (F22) and a graceful drain. Connections
// arrive on plain TCP servers and go to one TLS server that never listens itself; behind the NLB,
// connection-intake.ts first reads the PROXY v2 header that names the phone.
import { constants as cryptoConstants } from 'node:crypto';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureVersion, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { CapfLogger } from '../shared/logging.ts';
import type { AuditLog } from '../shared/ports/index.ts';
import { MAX_WIRE_BODY_LENGTH } from '../shared/protocol/constants.ts';
import { receiveConnection, socketPeer, type IntakeRefusal, type PeerAddress } from './connection-intake.ts';
import type { SessionBackend } from './session-backend.ts';
import { legacyTlsWarning, tlsPolicy, type TlsPolicy } from './tls-policy.ts';
import { KeepAlive } from './keepalive.ts';
import { SessionCounter } from './session-counter.ts';
import { AddressLimiter, addressBudget } from './address-limiter.ts';
import { DEFAULT_PARAMETERS } from '../shared/domain/parameters.ts';
import { parseCidrList } from '../shared/util/cidr.ts';
import { errorText, SessionDriver, type SessionSummary } from './session-driver.ts';

export interface TlsMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

export interface ListenerOptions {
  /** Addresses to bind, e.g. ['127.0.0.1', '::1'] locally or ['::'] (dual-stack) in a container. */
  hosts: string[];
  port: number;
  tls: TlsMaterial;
  backend: SessionBackend;
  logger: CapfLogger;
  /** 'TLSv1' only for 7900-series phones, and only when explicitly configured (tls-policy.ts: versions and suites). */
  minTlsVersion?: SecureVersion;
  /**
   * 'v2' behind a load balancer that sends PROXY protocol v2 (the NLB, CAPF_PROXY_PROTOCOL=v2): every connection must
   * start with the header, and its source is the peer. Default 'off': the socket goes straight to TLS, so a header
   * fails the handshake like any other bytes that are not TLS.
   */
  proxyProtocol?: 'off' | 'v2';
  handshakeTimeoutMs?: number;
  messageTimeoutMs?: number;
  /** Longer: old phones take a while to generate RSA keys (docs/protocol.md §6). */
  keygenTimeoutMs?: number;
  maxSessions?: number;
  maxBodyLength?: number;
  /** A fixed TCP keepalive delay; without it the keepAliveMinutes parameter drives it (F14). */
  keepAliveMs?: number;
  counter?: SessionCounter;
  /**
   * The phone networks (CIDR blocks: CAPF_PHONE_NETWORKS, in AWS the deployment's allowed phone ranges): an address
   * inside them gets the larger per-address failure budget, as a whole site may sit behind it.
   */
  phoneNetworks?: readonly string[];
  /** Records authentication failures and locks (auth.failed, auth.locked) besides the log, when wired. */
  audit?: AuditLog;
  /** Called once per session when it has ended and its store writes have settled (metrics). */
  onSessionEnd?: (summary: SessionSummary) => void;
}

export const LISTENER_DEFAULTS = {
  handshakeTimeoutMs: 10_000,
  messageTimeoutMs: 30_000,
  keygenTimeoutMs: 180_000,
  maxSessions: 2_000,
  maxBodyLength: 16_384,
  keepAliveMs: 15 * 60_000,
  closeGraceMs: 2_000,
} as const;

export interface ListenerStats {
  active: number;
  accepted: number;
  refusedOverLimit: number;
  refusedIpv6: number;
  tlsFailures: number;
  /** Dropped before TLS behind the NLB for a missing or malformed PROXY header. */
  refusedProxyHeader: number;
  /** Dropped at accept: the address was over its failed-authentication budget (cooling down). */
  refusedAddress: number;
}

/** One live TCP connection's ends: how the TLS socket finds the peer its raw socket was given. */
function connectionKey(socket: Pick<Socket, 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>): string {
  return `${socket.localAddress}|${socket.localPort}|${socket.remoteAddress}|${socket.remotePort}`;
}

export class CapfListener {
  private readonly servers: TcpServer[] = [];
  private readonly tlsServer: TlsServer;
  /**
   * The peer of each connection handed to the TLS server, by its TCP ends, until the TLS server has decided (Node
   * gives a TLS socket no public link to the raw socket it wraps, but both report the same ends).
   */
  private readonly peers = new Map<string, PeerAddress>();
  private readonly drivers = new Set<SessionDriver>();
  /** Every TCP connection, including ones still in the TLS handshake, so a drain can end them all. */
  private readonly sockets = new Set<Socket>();
  private readonly counter: SessionCounter;
  private readonly tls: TlsPolicy;
  private draining = false;
  readonly stats: ListenerStats = { active: 0, accepted: 0, refusedOverLimit: 0, refusedIpv6: 0, tlsFailures: 0, refusedProxyHeader: 0, refusedAddress: 0 };
  /** Failed authentications per peer address; over budget, an address is refused at accept for a cool-down. */
  readonly limiter: AddressLimiter;
  private readonly keepAlive: KeepAlive;
  /** When a drain stops waiting for sessions; endGrace() brings it forward. */
  private graceEndsAt = Number.POSITIVE_INFINITY;
  private abortReason = 'the server is shutting down';

  constructor(private readonly options: ListenerOptions) {
    if (MAX_WIRE_BODY_LENGTH < (options.maxBodyLength ?? 0)) throw new RangeError('maxBodyLength above the 16-bit wire limit');
    this.counter = options.counter ?? new SessionCounter();
    this.tls = tlsPolicy(options.minTlsVersion);
    this.tlsServer = this.createTlsServer();
    this.limiter = new AddressLimiter(parseCidrList(options.phoneNetworks ?? []));
    // A fixed keepAliveMs (tests) wins over the parameter.
    const backend = options.backend;
    const latest = options.keepAliveMs === undefined && backend.keepAliveMinutes ? () => backend.keepAliveMinutes?.() : () => undefined;
    this.keepAlive = new KeepAlive(latest, options.keepAliveMs ?? LISTENER_DEFAULTS.keepAliveMs, this.sockets);
  }

  /** Binds every host; resolves with the bound addresses (port 0 picks a free port per host). */
  async start(): Promise<AddressInfo[]> {
    if (this.tls.legacy) {
      const warning = legacyTlsWarning(this.tls);
      this.options.logger.warn(warning.message, warning.attributes);
    }
    const addresses: AddressInfo[] = [];
    for (const host of this.options.hosts) {
      const server = createTcpServer((socket) => this.onConnection(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: this.options.port, ipv6Only: host.includes(':') && host !== '::' }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
      addresses.push(server.address() as AddressInfo);
    }
    return addresses;
  }

  /** F22/F4: a new CAPF certificate applies to new connections at once. */
  reloadTls(material: TlsMaterial): void {
    this.tlsServer.setSecureContext(this.secureContextOptions(material));
  }

  /** Stops accepting, lets running sessions finish for `graceMs`, then aborts the rest (END_SESSION 7, recorded). */
  async drain(graceMs = 30_000): Promise<void> {
    this.draining = true;
    const closed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.graceEndsAt = Math.min(this.graceEndsAt, Date.now() + graceMs);
    while (this.drivers.size > 0 && Date.now() < this.graceEndsAt) await new Promise((r) => setTimeout(r, 50));
    for (const driver of this.drivers) driver.abort(this.abortReason);
    const abortDeadline = Date.now() + 5_000;
    while (this.drivers.size > 0 && Date.now() < abortDeadline) await new Promise((r) => setTimeout(r, 20));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Ends a running drain's grace now: the open sessions are aborted with `reason` (recorded as their failure). */
  endGrace(reason: string): void {
    this.abortReason = reason;
    this.graceEndsAt = 0;
  }

  /** Sessions running now. */
  get openSessions(): number {
    return this.drivers.size;
  }

  private secureContextOptions(material: TlsMaterial) {
    return {
      cert: material.certificatePem,
      key: material.privateKeyPem,
      minVersion: this.tls.minVersion,
      ciphers: this.tls.ciphers,
      // Our order, not the phone's: ECDHE before AES128-SHA for a legacy phone that offers both.
      honorCipherOrder: true,
      secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
    };
  }

  private handshakeTimeoutMs(): number {
    return this.options.handshakeTimeoutMs ?? LISTENER_DEFAULTS.handshakeTimeoutMs;
  }

  private createTlsServer(): TlsServer {
    const server = createTlsServer({ ...this.secureContextOptions(this.options.tls), handshakeTimeout: this.handshakeTimeoutMs(), requestCert: false });
    server.on('secureConnection', (socket: TLSSocket) => this.onSecureConnection(socket, this.takePeer(socket)));
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket) => {
      this.stats.tlsFailures += 1;
      const peer = this.takePeer(socket);
      const notTls = error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' && (this.options.proxyProtocol ?? 'off') === 'off';
      // A PROXY header also ends here when the listener does not expect one: say so, for the operator who turned it on.
      const hint = notTls ? ' (the connection did not start with TLS; a load balancer sending PROXY protocol headers needs CAPF_PROXY_PROTOCOL=v2)' : '';
      this.options.logger.warn('tls handshake failed', { peer: peer.address, peerPort: peer.port, reason: `${error.message.trim()}${hint}` });
      socket.destroy();
    });
    return server;
  }

  /** A new TCP connection: straight to TLS, or behind the NLB its PROXY header first. */
  private onConnection(socket: Socket): void {
    if (this.options.proxyProtocol !== 'v2' && this.refusedAddress(socket, socketPeer(socket))) return;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    this.keepAlive.apply(socket);
    if (this.options.proxyProtocol !== 'v2') {
      this.tlsServer.emit('connection', socket);
      return;
    }
    receiveConnection(socket, {
      mode: 'required',
      timeoutMs: this.handshakeTimeoutMs(),
      onReady: (ready, peer) => {
        if (this.refusedAddress(ready, peer)) return;
        const key = connectionKey(ready);
        this.peers.set(key, peer);
        ready.once('close', () => this.peers.delete(key));
        this.tlsServer.emit('connection', ready);
      },
      onRefused: (_refused, peer, refusal) => this.onRefusedBeforeTls(peer, refusal),
    });
  }

  /** An address cooling down after too many failed authentications: the socket goes before any TLS byte (no log line each time). */
  private refusedAddress(socket: Socket, peer: PeerAddress): boolean {
    if (!this.limiter.refuses(peer.address, Date.now())) return false;
    this.stats.refusedAddress += 1;
    socket.on('error', () => undefined);
    socket.destroy();
    return true;
  }

  /** A failed authentication from this peer; the one that reaches the budget starts a cool-down, logged once. */
  private countAuthenticationFailure(peer: PeerAddress): void {
    const budget = this.options.backend.addressBudget?.() ?? addressBudget(DEFAULT_PARAMETERS);
    const counted = this.limiter.countFailure(peer.address, budget, Date.now());
    if (counted.refusedUntil === undefined) return;
    this.options.logger.warn('address refused: too many failed authentications', {
      peer: peer.address,
      counted: counted.key,
      failures: counted.failures,
      limitPerMinute: counted.limit,
      phoneNetwork: counted.phoneNetwork,
      until: new Date(counted.refusedUntil).toISOString(),
    });
  }

  private onRefusedBeforeTls(peer: PeerAddress, refusal: IntakeRefusal): void {
    const where = { peer: peer.address, peerPort: peer.port, reason: refusal.reason };
    if (refusal.kind === 'handshake') {
      this.stats.tlsFailures += 1;
      this.options.logger.warn('tls handshake failed', where);
      return;
    }
    this.stats.refusedProxyHeader += 1;
    this.options.logger.warn('proxy header refused', { ...where, code: refusal.code });
  }

  /** The peer the intake found for this TLS socket's connection (its own address without a load balancer). */
  private takePeer(socket: TLSSocket): PeerAddress {
    if (this.options.proxyProtocol !== 'v2') return socketPeer(socket);
    const key = connectionKey(socket);
    const peer = this.peers.get(key);
    this.peers.delete(key);
    return peer ?? socketPeer(socket);
  }

  private onSecureConnection(socket: TLSSocket, peer: PeerAddress): void {
    if (peer.family === 'IPv6') {
      // F16: IPv6 peers get no session (and no certificate) while the IPv6 parameter is off; read fresh each time.
      // The family is the phone's own (from the PROXY header behind the NLB), not that of the hop before us.
      this.options.backend.ipv6Enabled().then(
        (enabled) => {
          if (enabled) return this.startSession(socket, peer);
          this.stats.refusedIpv6 += 1;
          this.options.logger.warn('ipv6 peer refused: the IPv6 parameter is off', { peer: peer.address, peerPort: peer.port });
          socket.destroy();
        },
        (error: unknown) => {
          this.options.logger.warn('ipv6 peer refused: the IPv6 parameter could not be read', { peer: peer.address, peerPort: peer.port, reason: errorText(error) });
          socket.destroy();
        },
      );
      return;
    }
    this.startSession(socket, peer);
  }

  private startSession(socket: TLSSocket, peer: PeerAddress): void {
    const sessionId = this.counter.next();
    const max = this.options.maxSessions ?? LISTENER_DEFAULTS.maxSessions;
    if (this.draining || this.drivers.size >= max) {
      // Like the reference: TLS completes, then the socket closes with no CAPF message (scenario 24).
      this.stats.refusedOverLimit += 1;
      this.options.logger.warn('session refused: concurrency limit reached', { sessionId, peer: peer.address, peerPort: peer.port, limit: max, draining: this.draining });
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    this.stats.accepted += 1;
    const driver = new SessionDriver(
      socket,
      sessionId,
      peer,
      this.options.backend,
      this.options.logger,
      {
        messageTimeoutMs: this.options.messageTimeoutMs ?? LISTENER_DEFAULTS.messageTimeoutMs,
        keygenTimeoutMs: this.options.keygenTimeoutMs ?? LISTENER_DEFAULTS.keygenTimeoutMs,
        closeGraceMs: LISTENER_DEFAULTS.closeGraceMs,
      },
      this.options.maxBodyLength ?? LISTENER_DEFAULTS.maxBodyLength,
      { ...(this.options.audit ? { audit: this.options.audit } : {}), onAuthenticationFailure: () => this.countAuthenticationFailure(peer) },
    );
    this.drivers.add(driver);
    this.stats.active = this.drivers.size;
    void driver.run().finally(() => {
      this.drivers.delete(driver);
      this.stats.active = this.drivers.size;
      this.options.onSessionEnd?.(driver.summary());
    });
  }
}
