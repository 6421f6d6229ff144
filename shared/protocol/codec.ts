// Message and element (TLV) codec: docs/protocol.md §1 (framing) and §3 (elements).
// Encoding keeps the element order the caller gives (the reference senders use a fixed order, §9).
import { ProtocolError } from '../errors.ts';
import { HEADER_LENGTH, MAX_WIRE_BODY_LENGTH, PROTOCOL_ID, opcodeName } from './constants.ts';

export interface Element {
  tag: number;
  value: Uint8Array;
}

export interface CapfMessage {
  opcode: number;
  sessionId: number;
  elements: Element[];
}

/** Element header: tag(1) + length(2, big-endian). */
export const ELEMENT_HEADER_LENGTH = 3;

export interface FrameHeader {
  opcode: number;
  sessionId: number;
  bodyLength: number;
}

/** Reads and checks the 8-byte header. `bytes` must hold at least HEADER_LENGTH bytes. */
export function decodeHeader(bytes: Uint8Array): FrameHeader {
  if (bytes.length < HEADER_LENGTH) throw new ProtocolError(`header needs ${HEADER_LENGTH} bytes, got ${bytes.length}`, 'SHORT_HEADER');
  if (bytes[0] !== PROTOCOL_ID) {
    throw new ProtocolError(`bad protocol id 0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')} (expected 0x55)`, 'BAD_MAGIC');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH);
  return { opcode: view.getUint8(1), sessionId: view.getUint32(2, false), bodyLength: view.getUint16(6, false) };
}

/** Encodes one whole message (header and body in one buffer, so it goes out in one write). */
export function encodeMessage(opcode: number, sessionId: number, elements: readonly Element[] = []): Buffer {
  let bodyLength = 0;
  for (const element of elements) bodyLength += ELEMENT_HEADER_LENGTH + element.value.length;
  if (bodyLength > MAX_WIRE_BODY_LENGTH) {
    throw new ProtocolError(`${opcodeName(opcode)} body of ${bodyLength} bytes does not fit the 16-bit length field`, 'BODY_TOO_LONG');
  }
  const out = Buffer.allocUnsafe(HEADER_LENGTH + bodyLength);
  out[0] = PROTOCOL_ID;
  out[1] = opcode;
  out.writeUInt32BE(sessionId >>> 0, 2);
  out.writeUInt16BE(bodyLength, 6);
  let offset = HEADER_LENGTH;
  for (const { tag, value } of elements) {
    if (value.length > MAX_WIRE_BODY_LENGTH) throw new ProtocolError(`element ${tag} is too long`, 'ELEMENT_TOO_LONG');
    out[offset] = tag;
    out.writeUInt16BE(value.length, offset + 1);
    out.set(value, offset + ELEMENT_HEADER_LENGTH);
    offset += ELEMENT_HEADER_LENGTH + value.length;
  }
  return out;
}

/** Splits a body into elements; every declared length is checked against what is left before it is sliced. */
export function decodeElements(body: Uint8Array): Element[] {
  const elements: Element[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (body.length - offset < ELEMENT_HEADER_LENGTH) {
      throw new ProtocolError(`truncated element header at offset ${offset}`, 'TRUNCATED_ELEMENT');
    }
    const tag = body[offset] as number;
    const length = ((body[offset + 1] as number) << 8) | (body[offset + 2] as number);
    const start = offset + ELEMENT_HEADER_LENGTH;
    if (start + length > body.length) {
      throw new ProtocolError(`element ${tag} declares ${length} bytes but only ${body.length - start} remain`, 'TRUNCATED_ELEMENT');
    }
    elements.push({ tag, value: body.subarray(start, start + length) });
    offset = start + length;
  }
  return elements;
}

/** Decodes one complete frame (header + exactly bodyLength bytes). */
export function decodeMessage(frame: Uint8Array): CapfMessage {
  const header = decodeHeader(frame);
  if (frame.length !== HEADER_LENGTH + header.bodyLength) {
    throw new ProtocolError(
      `frame is ${frame.length} bytes but its header declares ${HEADER_LENGTH + header.bodyLength}`,
      'FRAME_LENGTH_MISMATCH',
    );
  }
  return { opcode: header.opcode, sessionId: header.sessionId, elements: decodeElements(frame.subarray(HEADER_LENGTH)) };
}
