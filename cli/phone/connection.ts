// The phone's TLS connection: a queue of decoded server messages and the ways a phone can write a message.
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { FrameReader, HEADER_LENGTH, type CapfMessage } from '../../shared/protocol/index.ts';
import { PhoneSimulatorError } from './types.ts';

/** How one message goes on the wire: one write (the rule of docs/protocol.md §1), header split 4 + 4, or one byte per write. */
export type WriteStyle = 'whole' | 'split-header' | 'trickle';

export interface ConnectOptions {
  host: string;
  port: number;
  caPem?: string;
  insecure?: boolean;
  timeoutMs: number;
  minVersion?: ConnectionOptions['minVersion'];
  maxVersion?: ConnectionOptions['maxVersion'];
  ciphers?: string;
}

const LEGACY_TLS = new Set(['TLSv1', 'TLSv1.1']);

/** Splits a frame into the pieces written one after another for a style. */
function writePieces(frame: Buffer, style: WriteStyle): Buffer[] {
  if (style === 'whole') return [frame];
  if (style === 'split-header') return [frame.subarray(0, HEADER_LENGTH / 2), frame.subarray(HEADER_LENGTH / 2)];
  const bytes: Buffer[] = [];
  for (let i = 0; i < frame.length; i++) bytes.push(frame.subarray(i, i + 1));
  return bytes;
}

export class PhoneConnection {
  private readonly reader = new FrameReader();
  private readonly queue: CapfMessage[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.queue.push(...this.reader.push(chunk));
      } catch (error) {
        this.failure ??= error as Error;
        socket.destroy();
      }
      this.notify();
    });
    socket.on('end', () => this.markEnded());
    socket.on('close', () => this.markEnded());
    socket.on('error', (error) => {
      this.failure ??= error;
      this.markEnded();
    });
  }

  /** Opens TLS; the server certificate must chain to `caPem` unless `insecure`. The host name is not checked. */
  static open(options: ConnectOptions): Promise<PhoneConnection> {
    const legacy = LEGACY_TLS.has(options.minVersion ?? '') || LEGACY_TLS.has(options.maxVersion ?? '');
    const ciphers = options.ciphers ?? (legacy ? 'DEFAULT:@SECLEVEL=0' : undefined);
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: options.host,
        port: options.port,
        ...(options.caPem ? { ca: options.caPem } : {}),
        rejectUnauthorized: !options.insecure,
        checkServerIdentity: () => undefined,
        ...(options.minVersion ? { minVersion: options.minVersion } : {}),
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
        ...(ciphers ? { ciphers } : {}),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PhoneSimulatorError(`no TLS handshake with ${options.host}:${options.port} within ${options.timeoutMs} ms`, 'PHONE_TIMEOUT'));
      }, options.timeoutMs);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new PhoneSimulatorError(`TLS connection to ${options.host}:${options.port} failed: ${error.message.trim()}`, 'PHONE_TLS', { cause: error }));
      };
      socket.once('error', onError);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.setNoDelay(true); // so split writes leave as separate segments, like a real phone's sends
        resolve(new PhoneConnection(socket));
      });
    });
  }

  get tlsProtocol(): string | undefined {
    return this.socket.getProtocol() ?? undefined;
  }

  /** The next server message; undefined once the server has closed and nothing is left. */
  async receive(timeoutMs: number, waitingFor: string): Promise<CapfMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const next = this.queue.shift();
      if (next) return next;
      if (this.failure && !isDisconnect(this.failure)) {
        throw new PhoneSimulatorError(`connection failed while waiting for ${waitingFor}: ${this.failure.message}`, 'PHONE_CONNECTION', {
          cause: this.failure,
        });
      }
      if (this.ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new PhoneSimulatorError(`the server sent no ${waitingFor} within ${timeoutMs} ms`, 'PHONE_TIMEOUT');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Writes one message; each piece waits for the previous one so the pieces become separate TLS records. */
  async send(frame: Buffer, style: WriteStyle): Promise<void> {
    for (const piece of writePieces(frame, style)) {
      await new Promise<void>((resolve, reject) => {
        this.socket.write(piece, (error) => (error ? reject(error) : resolve()));
      });
    }
  }

  /** Graceful close: what was written is flushed (close_notify, FIN), then the socket goes without waiting for the peer. */
  close(): void {
    if (!this.socket.destroyed) this.socket.destroySoon();
  }

  /** Abrupt close, as a phone that loses power or gives up. */
  drop(): void {
    this.socket.destroy();
  }

  private markEnded(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    this.wake?.();
  }
}

/** A peer that hangs up (reset, broken pipe) is a closed connection, not a protocol failure. */
function isDisconnect(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
