// The CAPF TLS listener (TCP 3804): one session per connection, with a handshake timeout, per-message timeouts, a
// concurrency limit, TCP keepalive (F14), certificate reload without restart (F22) and a graceful drain.
import { constants as cryptoConstants } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type SecureVersion, type Server, type TLSSocket } from 'node:tls';
import type { CapfLogger } from '../shared/logging.ts';
import { MAX_WIRE_BODY_LENGTH } from '../shared/protocol/constants.ts';
import type { SessionBackend } from './session-backend.ts';
import { SessionCounter } from './session-counter.ts';
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
  /** 'TLSv1' only for 7900-series phones, and only when explicitly configured. */
  minTlsVersion?: SecureVersion;
  handshakeTimeoutMs?: number;
  messageTimeoutMs?: number;
  /** Longer: old phones take a while to generate RSA keys (docs/protocol.md §6). */
  keygenTimeoutMs?: number;
  maxSessions?: number;
  maxBodyLength?: number;
  keepAliveMs?: number;
  counter?: SessionCounter;
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
}

export class CapfListener {
  private readonly servers: Server[] = [];
  private readonly drivers = new Set<SessionDriver>();
  /** Every TCP connection, including ones still in the TLS handshake, so a drain can end them all. */
  private readonly sockets = new Set<Socket>();
  private readonly counter: SessionCounter;
  private draining = false;
  readonly stats: ListenerStats = { active: 0, accepted: 0, refusedOverLimit: 0, refusedIpv6: 0, tlsFailures: 0 };

  constructor(private readonly options: ListenerOptions) {
    if (MAX_WIRE_BODY_LENGTH < (options.maxBodyLength ?? 0)) throw new RangeError('maxBodyLength above the 16-bit wire limit');
    this.counter = options.counter ?? new SessionCounter();
  }

  /** Binds every host; resolves with the bound addresses (port 0 picks a free port per host). */
  async start(): Promise<AddressInfo[]> {
    const addresses: AddressInfo[] = [];
    for (const host of this.options.hosts) {
      const server = this.createTlsServer();
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
    for (const server of this.servers) server.setSecureContext(this.secureContextOptions(material));
  }

  /** Stops accepting, lets running sessions finish for `graceMs`, then aborts the rest (END_SESSION 7, recorded). */
  async drain(graceMs = 30_000): Promise<void> {
    this.draining = true;
    const closed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    const deadline = Date.now() + graceMs;
    while (this.drivers.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const driver of this.drivers) driver.abort('the server is shutting down');
    const abortDeadline = Date.now() + 5_000;
    while (this.drivers.size > 0 && Date.now() < abortDeadline) await new Promise((r) => setTimeout(r, 20));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private secureContextOptions(material: TlsMaterial) {
    const minVersion = this.options.minTlsVersion ?? 'TLSv1.2';
    const legacy = minVersion === 'TLSv1' || minVersion === 'TLSv1.1';
    return {
      cert: material.certificatePem,
      key: material.privateKeyPem,
      minVersion,
      // OpenSSL 3 refuses TLS 1.0/1.1 at the default security level (7900-series phones need it, docs/protocol.md §1).
      ...(legacy ? { ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
      secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
    };
  }

  private createTlsServer(): Server {
    const options = this.options;
    const server = createServer({
      ...this.secureContextOptions(options.tls),
      handshakeTimeout: options.handshakeTimeoutMs ?? LISTENER_DEFAULTS.handshakeTimeoutMs,
      requestCert: false,
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.setNoDelay(true);
      socket.setKeepAlive(true, options.keepAliveMs ?? LISTENER_DEFAULTS.keepAliveMs);
    });
    server.on('secureConnection', (socket: TLSSocket) => this.onSecureConnection(socket));
    server.on('tlsClientError', (error, socket) => {
      this.stats.tlsFailures += 1;
      options.logger.warn('tls handshake failed', { peer: socket.remoteAddress, reason: error.message });
      socket.destroy();
    });
    return server;
  }

  private onSecureConnection(socket: TLSSocket): void {
    if (socket.remoteFamily === 'IPv6' && !socket.remoteAddress?.startsWith('::ffff:')) {
      // F16: IPv6 peers get no session (and no certificate) while the IPv6 parameter is off; read fresh each time.
      this.options.backend.ipv6Enabled().then(
        (enabled) => {
          if (enabled) return this.startSession(socket);
          this.stats.refusedIpv6 += 1;
          this.options.logger.warn('ipv6 peer refused: the IPv6 parameter is off', { peer: socket.remoteAddress });
          socket.destroy();
        },
        (error: unknown) => {
          this.options.logger.warn('ipv6 peer refused: the IPv6 parameter could not be read', { peer: socket.remoteAddress, reason: errorText(error) });
          socket.destroy();
        },
      );
      return;
    }
    this.startSession(socket);
  }

  private startSession(socket: TLSSocket): void {
    const sessionId = this.counter.next();
    const max = this.options.maxSessions ?? LISTENER_DEFAULTS.maxSessions;
    if (this.draining || this.drivers.size >= max) {
      // Like the reference: TLS completes, then the socket closes with no CAPF message (scenario 24).
      this.stats.refusedOverLimit += 1;
      this.options.logger.warn('session refused: concurrency limit reached', { sessionId, peer: socket.remoteAddress, limit: max, draining: this.draining });
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    this.stats.accepted += 1;
    const driver = new SessionDriver(
      socket,
      sessionId,
      this.options.backend,
      this.options.logger,
      {
        messageTimeoutMs: this.options.messageTimeoutMs ?? LISTENER_DEFAULTS.messageTimeoutMs,
        keygenTimeoutMs: this.options.keygenTimeoutMs ?? LISTENER_DEFAULTS.keygenTimeoutMs,
        closeGraceMs: LISTENER_DEFAULTS.closeGraceMs,
      },
      this.options.maxBodyLength ?? LISTENER_DEFAULTS.maxBodyLength,
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
