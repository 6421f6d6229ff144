// Raw clients for the hostile-client tests: a TLS connection that speaks CAPF frames without the phone simulator's
// manners (random frames, trickled bytes, lengths over the bound, renegotiation), and plain TCP sockets that never
// speak TLS at all. Everything targets 127.0.0.1 and every wait is bounded.
import { connect as connectTcp, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { FrameReader, Opcode, readFields, type CapfMessage } from '../../shared/protocol/index.ts';

export interface Endpoint {
  host: string;
  port: number;
  /** The CAPF certificate, trusted like a phone trusts it (no host name check). */
  caPem: string;
}

/** How a raw session ended, from the client's side. */
export interface RawOutcome {
  /** REASON of END_SESSION when one arrived. */
  endReason?: number;
  /** Every server message after AUTH_REQUEST. */
  messages: CapfMessage[];
  /** The server closed the connection (with or without END_SESSION) before the client's own deadline. */
  closedByServer: boolean;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TLS connection to the listener that decodes what the server sends and lets the test write anything. */
export class RawSession {
  readonly messages: CapfMessage[] = [];
  private readonly reader = new FrameReader();
  private ended = false;
  private wake: (() => void) | undefined;
  /** Messages already handed out by next(). */
  private taken = 0;
  /** Session id from AUTH_REQUEST (0 until it arrived). */
  sessionId = 0;

  private constructor(readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        const decoded = this.reader.push(chunk);
        this.messages.push(...decoded);
        if (decoded.length > 0) this.wake?.();
      } catch {
        socket.destroy(); // the server never sends a bad frame; if it did, the test sees a close without END
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
  }

  /** Completes the TLS handshake (resuming `tls.session` when given); rejects on a TLS failure or after `timeoutMs`. */
  static open(endpoint: Endpoint, tls: ConnectionOptions = {}, timeoutMs = 5_000): Promise<RawSession> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ host: endpoint.host, port: endpoint.port, ca: endpoint.caPem, checkServerIdentity: () => undefined, ...tls });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TLS handshake within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      });
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RawSession(socket));
      });
    });
  }

  /** Opens, then waits for AUTH_REQUEST and remembers its session id. */
  static async start(endpoint: Endpoint, tls: ConnectionOptions = {}, timeoutMs = 5_000): Promise<RawSession> {
    const session = await RawSession.open(endpoint, tls, timeoutMs);
    const first = await session.next(timeoutMs);
    if (first?.opcode !== Opcode.AuthRequest) {
      session.socket.destroy();
      throw new Error(`expected AUTH_REQUEST, got ${first ? `opcode ${first.opcode}` : 'a closed connection'}`);
    }
    session.sessionId = first.sessionId;
    return session;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** The next server message not yet taken; undefined when the server closed or `timeoutMs` passed. */
  async next(timeoutMs: number): Promise<CapfMessage | undefined> {
    if (this.taken === this.messages.length && !this.ended) {
      // Woken only by a whole new message or the close, so one wait is enough.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        this.wake = done;
      });
    }
    return this.taken < this.messages.length ? this.messages[this.taken++] : undefined;
  }

  /** Writes bytes as one write (one TLS record for small writes). */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Writes one byte every `intervalMs` until all are written or the server closes; returns how many went out. */
  async trickle(bytes: Uint8Array, intervalMs: number): Promise<number> {
    let sent = 0;
    for (const byte of bytes) {
      if (this.ended || this.socket.destroyed) break;
      await this.write(Uint8Array.of(byte));
      sent += 1;
      await wait(intervalMs);
    }
    return sent;
  }

  /** Waits until the server ends the session (END_SESSION and/or close) or `timeoutMs` passes. */
  async outcome(timeoutMs: number): Promise<RawOutcome> {
    const deadline = Date.now() + timeoutMs;
    let endReason: number | undefined;
    while (Date.now() < deadline) {
      const message = await this.next(deadline - Date.now());
      if (!message) break;
      if (message.opcode === Opcode.EndSession) endReason = readFields(message.elements).reason;
    }
    return { ...(endReason === undefined ? {} : { endReason }), messages: this.messages.slice(1), closedByServer: this.ended };
  }

  /** TLS close_notify and FIN, then the socket is released. */
  close(): void {
    if (!this.socket.destroyed) this.socket.destroySoon();
  }
}

/** A plain TCP connection (no TLS); resolves once connected. */
export function openTcp(endpoint: Pick<Endpoint, 'host' | 'port'>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: endpoint.host, port: endpoint.port });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves when the socket has closed, or after `timeoutMs` with false; reads and drops what arrives meanwhile (a
 * paused socket never sees the peer's close behind unread bytes, such as a TLS alert). */
export function closedWithin(socket: Socket, timeoutMs: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  socket.resume();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Runs `work` over `items` with at most `concurrency` running at once; results keep the items' order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let nextIndex = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(runners);
  return results;
}

/** The ClientHello a Node TLS client sends first, captured over an in-memory stream (to trickle it by hand). */
export function clientHello(): Promise<Buffer> {
  return new Promise((resolve) => {
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        resolve(Buffer.from(chunk));
        done();
        setImmediate(() => client.destroy());
      },
    });
    const client = connectTls({ socket: wire, rejectUnauthorized: false });
    client.on('error', () => undefined);
  });
}
