// What happens to a TCP connection before TLS behind a load balancer that speaks PROXY protocol v2: the first bytes
// are its header naming the phone's real address. The TLS server never sees the header: we accept on a plain
// net.Server, read just enough, push the rest back (unshift) and hand the socket to the TLS (or HTTP) server.
// Without a load balancer the listener does not come here at all (no read in JavaScript on the hot path): a PROXY
// header then fails the TLS handshake like any other bytes that are not TLS.
import type { Socket } from 'node:net';
import { ProtocolError } from '../shared/errors.ts';
import { proxySignature, readProxyV2Header } from '../shared/protocol/proxy-header.ts';

/**
 * 'required': every connection must start with a v2 header (CAPF_PROXY_PROTOCOL=v2, behind the NLB); 'optional': a
 * v2 header is read when present (the health endpoint: the NLB's checks carry one, the container's own check not).
 */
export type IntakeMode = 'required' | 'optional';

/** The phone's address: from the PROXY header, else the socket's own (IPv4-mapped IPv6 reported as IPv4). */
export interface PeerAddress {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/** Why a connection was dropped before TLS: a PROXY header problem, or the peer never sent one (or left). */
export interface IntakeRefusal {
  kind: 'proxy' | 'handshake';
  code: string;
  reason: string;
}

export interface IntakeOptions {
  mode: IntakeMode;
  /** The whole header must arrive within this. */
  timeoutMs: number;
  /** The socket is paused with the bytes after the header unshifted: hand it to the TLS (or HTTP) server. */
  onReady(socket: Socket, peer: PeerAddress): void;
  /** Called once; the socket is destroyed right after. */
  onRefused(socket: Socket, peer: PeerAddress, refusal: IntakeRefusal): void;
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

export function socketPeer(socket: Pick<Socket, 'remoteAddress' | 'remotePort' | 'remoteFamily'>): PeerAddress {
  const address = socket.remoteAddress ?? '';
  const mapped = MAPPED_IPV4.exec(address);
  if (mapped) return { address: mapped[1] as string, port: socket.remotePort ?? 0, family: 'IPv4' };
  return { address, port: socket.remotePort ?? 0, family: socket.remoteFamily === 'IPv6' ? 'IPv6' : 'IPv4' };
}

const EMPTY: Buffer = Buffer.alloc(0);

/** Reads the start of `socket` as `options.mode` says, then calls onReady or onRefused exactly once. */
export function receiveConnection(socket: Socket, options: IntakeOptions): void {
  const own = socketPeer(socket);
  let buffered: Buffer = EMPTY;
  let settled = false;

  const finish = (): void => {
    settled = true;
    clearTimeout(timer);
    socket.off('readable', onReadable);
    socket.off('end', onGone);
    socket.off('close', onGone);
    socket.off('error', onGone);
  };
  const refuse = (refusal: IntakeRefusal): void => {
    if (settled) return;
    finish();
    socket.on('error', () => undefined); // a reset while we destroy is no news
    options.onRefused(socket, own, refusal);
    socket.destroy();
  };
  const ready = (peer: PeerAddress, rest: Buffer): void => {
    finish();
    if (rest.length > 0) socket.unshift(rest);
    options.onReady(socket, peer);
  };

  /** Decides as soon as the bytes so far allow it; returns with nothing decided while more are needed. */
  const examine = (): void => {
    if (options.mode === 'optional') {
      const signature = proxySignature(buffered);
      if (signature === 'partial') return;
      if (signature === 'none') return ready(own, buffered);
    }
    try {
      const read = readProxyV2Header(buffered);
      if (read.complete) ready(read.header.source ?? own, buffered.subarray(read.header.length));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      refuse({ kind: 'proxy', code: error.code, reason: error.message });
    }
  };

  function onReadable(): void {
    let chunk: Buffer | null;
    while (!settled && (chunk = socket.read() as Buffer | null) !== null) {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      examine();
    }
  }
  function onGone(): void {
    refuse({ kind: 'handshake', code: 'PEER_CLOSED', reason: 'the peer closed the connection before sending a PROXY header' });
  }
  const timer = setTimeout(() => {
    if (options.mode === 'optional' && buffered.length === 0) refuse({ kind: 'handshake', code: 'HANDSHAKE_TIMEOUT', reason: 'no request' });
    else refuse({ kind: 'proxy', code: 'PROXY_TIMEOUT', reason: `no complete PROXY protocol v2 header within ${options.timeoutMs} ms` });
  }, options.timeoutMs);

  socket.on('readable', onReadable);
  socket.on('end', onGone);
  socket.on('close', onGone);
  socket.on('error', onGone);
}
