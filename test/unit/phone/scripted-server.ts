// A tiny TLS server that plays the SERVER side of a CAPF session from a script, and keeps the exact bytes and the
// socket reads the phone produced, so tests can assert what went over the wire.
import { createServer, type Server, type TlsOptions, type TLSSocket } from 'node:tls';
import {
  Opcode,
  decodeMessage,
  element,
  encodeMessage,
  readFields,
  type CapfMessage,
  type Element,
  type MessageFields,
} from '../../../shared/protocol/index.ts';
import type { TestCa } from './test-pki.ts';

export interface ReceivedFrame {
  /** The frame exactly as the phone sent it. */
  raw: Buffer;
  message: CapfMessage;
  fields: MessageFields;
}

/** A safety net so a broken phone fails the test with a message rather than the test timeout. */
const FRAME_WAIT_MS = 15_000;

export class ScriptedConnection {
  /** Every read the server's socket delivered, in order (one per TLS record here). */
  readonly chunks: Buffer[] = [];
  private buffer = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(Buffer.from(chunk));
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    const onClose = (): void => {
      this.closed = true;
      this.wake?.();
    };
    socket.on('end', onClose);
    socket.on('close', onClose);
    socket.on('error', onClose);
  }

  get receivedBytes(): number {
    return this.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  get protocol(): string | null {
    return this.socket.getProtocol();
  }

  /** Sends one message in one write. */
  send(opcode: number, sessionId: number, elements: Element[] = []): void {
    this.socket.write(encodeMessage(opcode, sessionId, elements));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next whole frame from the phone; undefined when the phone closed first. */
  async nextFrame(): Promise<ReceivedFrame | undefined> {
    for (;;) {
      if (this.buffer.length >= 8) {
        const length = 8 + this.buffer.readUInt16BE(6);
        if (this.buffer.length >= length) {
          const raw = this.buffer.subarray(0, length);
          this.buffer = this.buffer.subarray(length);
          const message = decodeMessage(raw);
          return { raw, message, fields: readFields(message.elements) };
        }
      }
      if (this.closed) return undefined;
      await this.waitForInput('a frame from the phone');
    }
  }

  /** Like nextFrame, but a missing frame fails the script. */
  async expectFrame(): Promise<ReceivedFrame> {
    const frame = await this.nextFrame();
    if (!frame) throw new Error('the phone closed the connection instead of sending a message');
    return frame;
  }

  /** Waits until the phone closes its side; returns the bytes that arrived meanwhile and were not read as frames. */
  async waitClosed(): Promise<Buffer> {
    while (!this.closed) await this.waitForInput('the phone to close');
    return this.buffer;
  }

  /** Ends the session the way the reference server does: END_SESSION, then close. */
  endSession(sessionId: number, reason: number): void {
    this.send(Opcode.EndSession, sessionId, [element.reason(reason)]);
    this.socket.end();
  }

  private waitForInput(what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`scripted server: waited too long for ${what}`)), FRAME_WAIT_MS);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

export interface ScriptedServer {
  port: number;
  /** Settles when the script for the first connection finishes; rejects with its failure. */
  done: Promise<void>;
  close(): Promise<void>;
}

export type Script = (connection: ScriptedConnection) => Promise<void>;

/** Serves the script to the first connection (later ones are closed at once). */
export async function startScriptedServer(ca: TestCa, script: Script, tlsOptions: TlsOptions = {}): Promise<ScriptedServer> {
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let served = false;
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer({ key: ca.privateKeyPem, cert: ca.certificatePem, ...tlsOptions }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (served) {
      socket.destroy();
      return;
    }
    served = true;
    script(new ScriptedConnection(socket)).then(
      () => settle?.resolve(),
      (error: unknown) => {
        socket.destroy();
        settle?.reject(error);
      },
    );
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    done,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
