// Streaming frame reader: TLS delivers bytes in arbitrary pieces (a header split 4+4, several messages in one read).
// The declared body length is checked against the bound as soon as the header is complete, before any body is kept.
import { FrameTooLargeError, ProtocolError } from '../errors.ts';
import { HEADER_LENGTH, MAX_WIRE_BODY_LENGTH } from './constants.ts';
import { decodeHeader, decodeMessage, type CapfMessage } from './codec.ts';

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the frame being assembled, once its header is known. */
  private pendingBodyLength: number | undefined;
  private failed = false;

  constructor(readonly maxBodyLength: number = MAX_WIRE_BODY_LENGTH) {
    if (!Number.isInteger(maxBodyLength) || maxBodyLength < 0 || maxBodyLength > MAX_WIRE_BODY_LENGTH) {
      throw new RangeError(`maxBodyLength must be an integer 0..${MAX_WIRE_BODY_LENGTH}`);
    }
  }

  /** Bytes held while waiting for the rest of a frame; never more than one frame's worth past a push. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Feeds bytes; returns every message completed by them. After a ProtocolError the reader refuses more input. */
  push(chunk: Uint8Array): CapfMessage[] {
    if (this.failed) throw new ProtocolError('reader already failed on earlier input', 'READER_FAILED');
    if (chunk.length === 0) return [];
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.buffered += chunk.length;
    const messages: CapfMessage[] = [];
    try {
      for (;;) {
        if (this.pendingBodyLength === undefined) {
          if (this.buffered < HEADER_LENGTH) break;
          const header = decodeHeader(this.peek(HEADER_LENGTH));
          if (header.bodyLength > this.maxBodyLength) throw new FrameTooLargeError(header.bodyLength, this.maxBodyLength);
          this.pendingBodyLength = header.bodyLength;
        }
        const frameLength = HEADER_LENGTH + this.pendingBodyLength;
        if (this.buffered < frameLength) break;
        messages.push(decodeMessage(this.take(frameLength)));
        this.pendingBodyLength = undefined;
      }
    } catch (error) {
      this.failed = true;
      this.chunks = [];
      this.buffered = 0;
      throw error;
    }
    return messages;
  }

  private peek(length: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= length) return first.subarray(0, length);
    this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] as Buffer).subarray(0, length);
  }

  private take(length: number): Buffer {
    const frame = Buffer.from(this.peek(length)); // copy: the caller may keep it while the chunk is reused
    const first = this.chunks[0] as Buffer;
    const rest = first.subarray(length);
    this.chunks[0] = rest;
    if (rest.length === 0) this.chunks.shift();
    this.buffered -= length;
    return frame;
  }
}
