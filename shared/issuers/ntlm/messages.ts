// NTLM message encoding and decoding (MS-NLMP 2.2.1): NEGOTIATE (type 1), CHALLENGE (type 2), AUTHENTICATE (type 3)
// and the AV_PAIR list of the target information. Everything read from a peer is bounds-checked first.
import { ProtocolError } from '../../errors.ts';

export const NTLM_SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** NegotiateFlags bits used here (MS-NLMP 2.2.2.5). */
export const NtlmFlags = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  TARGET_TYPE_DOMAIN: 0x00010000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  NEGOTIATE_128: 0x20000000,
  KEY_EXCH: 0x40000000,
  NEGOTIATE_56: 0x80000000,
} as const;

/** AV_PAIR ids (MS-NLMP 2.2.2.1). */
export const AvId = {
  EOL: 0,
  NB_COMPUTER_NAME: 1,
  NB_DOMAIN_NAME: 2,
  DNS_COMPUTER_NAME: 3,
  DNS_DOMAIN_NAME: 4,
  FLAGS: 6,
  TIMESTAMP: 7,
  TARGET_NAME: 9,
  CHANNEL_BINDINGS: 10,
} as const;

/** MsvAvFlags bit: the AUTHENTICATE message carries a MIC. */
export const AV_FLAG_MIC_PRESENT = 0x00000002;

/** A whole NTLM message is far below this; anything larger is refused before it is decoded. */
export const MAX_NTLM_MESSAGE_BYTES = 8192;

const MIC_OFFSET = 72;
const AUTHENTICATE_HEADER_BYTES = 88;
const CHALLENGE_HEADER_BYTES = 56;
// Version structure: 10.0 build 20348, NTLMSSP revision 15. Purely informational for the peer.
const VERSION_BYTES = Buffer.from([10, 0, 0x4c, 0x4f, 0, 0, 0, 15]);

export interface AvPair {
  id: number;
  value: Buffer;
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Buffer;
  targetName: string;
  /** The raw AV_PAIR list, including its EOL terminator. */
  targetInfo: Buffer;
}

export interface AuthenticateMessage extends AuthenticateInput {
  encryptedRandomSessionKey: Buffer;
  /** Present when the message is long enough to hold one (always for version-carrying clients). */
  mic?: Buffer;
}

function malformed(what: string): ProtocolError {
  return new ProtocolError(`malformed NTLM message: ${what}`, 'NTLM_MALFORMED');
}

function checkHeader(message: Buffer, type: number, minLength: number): void {
  if (message.length > MAX_NTLM_MESSAGE_BYTES) throw malformed(`${message.length} bytes is over ${MAX_NTLM_MESSAGE_BYTES}`);
  if (message.length < minLength) throw malformed(`type ${type} needs at least ${minLength} bytes, got ${message.length}`);
  if (!message.subarray(0, 8).equals(NTLM_SIGNATURE)) throw malformed('missing NTLMSSP signature');
  const actual = message.readUInt32LE(8);
  if (actual !== type) throw malformed(`expected message type ${type}, got ${actual}`);
}

/** Reads a (length, maxLength, offset) field descriptor and returns the bytes it points to. */
function readField(message: Buffer, at: number, name: string): Buffer {
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  if (length === 0) return Buffer.alloc(0);
  if (offset + length > message.length) throw malformed(`${name} (${length} bytes at ${offset}) runs past the end`);
  return message.subarray(offset, offset + length);
}

function decodeString(bytes: Buffer, unicode: boolean): string {
  return unicode ? bytes.toString('utf16le') : bytes.toString('latin1');
}

/** Lays out header fields and payloads: each payload gets a descriptor at its slot and is appended in order. */
function assemble(header: Buffer, slots: Array<{ at: number; data: Buffer }>): Buffer {
  let offset = header.length;
  for (const { at, data } of slots) {
    header.writeUInt16LE(data.length, at);
    header.writeUInt16LE(data.length, at + 2);
    header.writeUInt32LE(offset, at + 4);
    offset += data.length;
  }
  return Buffer.concat([header, ...slots.map((s) => s.data)]);
}

export function encodeAvPairs(pairs: AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const { id, value } of pairs) {
    if (id === AvId.EOL) continue;
    const head = Buffer.alloc(4);
    head.writeUInt16LE(id, 0);
    head.writeUInt16LE(value.length, 2);
    parts.push(head, value);
  }
  parts.push(Buffer.alloc(4)); // MsvAvEOL
  return Buffer.concat(parts);
}

export function decodeAvPairs(info: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let at = 0;
  while (at + 4 <= info.length) {
    const id = info.readUInt16LE(at);
    const length = info.readUInt16LE(at + 2);
    if (id === AvId.EOL) return pairs;
    if (at + 4 + length > info.length) throw malformed(`AV pair ${id} runs past the end of the target information`);
    pairs.push({ id, value: info.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  throw malformed('target information has no MsvAvEOL terminator');
}

export function encodeNegotiate(flags: number): Buffer {
  const header = Buffer.alloc(40);
  NTLM_SIGNATURE.copy(header, 0);
  header.writeUInt32LE(1, 8);
  header.writeUInt32LE(flags >>> 0, 12);
  // Domain and workstation fields stay empty (offset 40 past the version), which every server accepts.
  header.writeUInt32LE(40, 20);
  header.writeUInt32LE(40, 28);
  VERSION_BYTES.copy(header, 32);
  return header;
}

export function decodeNegotiateFlags(message: Buffer): number {
  checkHeader(message, 1, 16);
  return message.readUInt32LE(12);
}

export function encodeChallenge(input: { flags: number; serverChallenge: Buffer; targetName: string; targetInfo: Buffer }): Buffer {
  const header = Buffer.alloc(CHALLENGE_HEADER_BYTES);
  NTLM_SIGNATURE.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt32LE(input.flags >>> 0, 20);
  input.serverChallenge.copy(header, 24);
  VERSION_BYTES.copy(header, 48);
  return assemble(header, [
    { at: 12, data: Buffer.from(input.targetName, 'utf16le') },
    { at: 40, data: input.targetInfo },
  ]);
}

export function decodeChallenge(message: Buffer): ChallengeMessage {
  checkHeader(message, 2, 32);
  const flags = message.readUInt32LE(20);
  const hasTargetInfo = message.length >= 48 && (flags & NtlmFlags.TARGET_INFO) !== 0;
  return {
    flags,
    serverChallenge: Buffer.from(message.subarray(24, 32)),
    targetName: decodeString(readField(message, 12, 'TargetName'), (flags & NtlmFlags.UNICODE) !== 0),
    targetInfo: hasTargetInfo ? Buffer.from(readField(message, 40, 'TargetInfo')) : Buffer.alloc(0),
  };
}

export interface AuthenticateInput {
  flags: number;
  lmResponse: Buffer;
  ntResponse: Buffer;
  domain: string;
  user: string;
  workstation: string;
}

/** Encodes an AUTHENTICATE message with a zeroed MIC slot; `withMic` fills it in once the MIC is known. */
export function encodeAuthenticate(input: AuthenticateInput): Buffer {
  const header = Buffer.alloc(AUTHENTICATE_HEADER_BYTES);
  NTLM_SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  header.writeUInt32LE(input.flags >>> 0, 60);
  VERSION_BYTES.copy(header, 64);
  return assemble(header, [
    { at: 12, data: input.lmResponse },
    { at: 20, data: input.ntResponse },
    { at: 28, data: Buffer.from(input.domain, 'utf16le') },
    { at: 36, data: Buffer.from(input.user, 'utf16le') },
    { at: 44, data: Buffer.from(input.workstation, 'utf16le') },
    { at: 52, data: Buffer.alloc(0) },
  ]);
}

export function withMic(authenticate: Buffer, mic: Buffer): Buffer {
  const out = Buffer.from(authenticate);
  mic.copy(out, MIC_OFFSET);
  return out;
}

/** The AUTHENTICATE message with its MIC field zeroed, as the MIC is computed over (MS-NLMP 3.1.5.1.2). */
export function withZeroMic(authenticate: Buffer): Buffer {
  return withMic(authenticate, Buffer.alloc(16));
}

export function decodeAuthenticate(message: Buffer): AuthenticateMessage {
  checkHeader(message, 3, 64);
  const flags = message.readUInt32LE(60);
  const unicode = (flags & NtlmFlags.UNICODE) !== 0;
  // The MIC slot exists when the payload starts after it (clients that send a Version structure).
  const firstPayload = Math.min(
    ...[12, 20, 28, 36, 44, 52]
      .map((at) => ({ length: message.readUInt16LE(at), offset: message.readUInt32LE(at + 4) }))
      .filter((f) => f.length > 0)
      .map((f) => f.offset),
    message.length,
  );
  return {
    flags,
    lmResponse: Buffer.from(readField(message, 12, 'LmChallengeResponse')),
    ntResponse: Buffer.from(readField(message, 20, 'NtChallengeResponse')),
    domain: decodeString(readField(message, 28, 'DomainName'), unicode),
    user: decodeString(readField(message, 36, 'UserName'), unicode),
    workstation: decodeString(readField(message, 44, 'Workstation'), unicode),
    encryptedRandomSessionKey: Buffer.from(readField(message, 52, 'EncryptedRandomSessionKey')),
    ...(firstPayload >= AUTHENTICATE_HEADER_BYTES ? { mic: Buffer.from(message.subarray(MIC_OFFSET, MIC_OFFSET + 16)) } : {}),
  };
}
