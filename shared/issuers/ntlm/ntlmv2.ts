// NTLMv2 (MS-NLMP 3.3.2): the response keys, the client challenge blob, NTProofStr, the session base key, the MIC
// and the channel-binding hash for Extended Protection. The client side builds a complete AUTHENTICATE message here.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { ProtocolError } from '../../errors.ts';
import { md4 } from './md4.ts';
import {
  AV_FLAG_MIC_PRESENT,
  AvId,
  NtlmFlags,
  decodeAvPairs,
  decodeChallenge,
  encodeAuthenticate,
  encodeAvPairs,
  withMic,
  type AvPair,
} from './messages.ts';

/** FILETIME epoch (1601-01-01) is this many milliseconds before the Unix epoch. */
const FILETIME_UNIX_OFFSET_MS = 11_644_473_600_000n;

export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac('md5', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** NTOWFv2 = HMAC-MD5(MD4(UNICODE(password)), UNICODE(UPPER(user) + domain)); LMOWFv2 is the same value. */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4(Buffer.from(password, 'utf16le')), Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}

/** 8-byte little-endian FILETIME (100 ns ticks since 1601) for a JavaScript time. */
export function fileTime(ms: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(Math.floor(ms)) + FILETIME_UNIX_OFFSET_MS) * 10_000n);
  return out;
}

export function fileTimeToMs(value: Buffer): number {
  return Number(value.readBigUInt64LE(0) / 10_000n - FILETIME_UNIX_OFFSET_MS);
}

/** The NTLMv2_CLIENT_CHALLENGE structure ("temp" in MS-NLMP 3.3.2), including the trailing four zero bytes. */
export function clientChallengeBlob(timestamp: Buffer, clientChallenge: Buffer, targetInfo: Buffer): Buffer {
  const head = Buffer.alloc(28);
  head[0] = 1; // RespType
  head[1] = 1; // HiRespType
  timestamp.copy(head, 8);
  clientChallenge.copy(head, 16);
  return Buffer.concat([head, targetInfo, Buffer.alloc(4)]);
}

export interface Ntlmv2Response {
  ntProofStr: Buffer;
  /** NTProofStr followed by the client challenge blob. */
  ntResponse: Buffer;
  sessionBaseKey: Buffer;
}

export function ntlmv2Response(responseKeyNt: Buffer, serverChallenge: Buffer, blob: Buffer): Ntlmv2Response {
  const ntProofStr = hmacMd5(responseKeyNt, serverChallenge, blob);
  return { ntProofStr, ntResponse: Buffer.concat([ntProofStr, blob]), sessionBaseKey: hmacMd5(responseKeyNt, ntProofStr) };
}

export function lmv2Response(responseKeyLm: Buffer, serverChallenge: Buffer, clientChallenge: Buffer): Buffer {
  return Buffer.concat([hmacMd5(responseKeyLm, serverChallenge, clientChallenge), clientChallenge]);
}

/** MIC = HMAC-MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE with a zero MIC). */
export function messageIntegrityCode(sessionKey: Buffer, negotiate: Buffer, challenge: Buffer, authenticateZeroMic: Buffer): Buffer {
  return hmacMd5(sessionKey, negotiate, challenge, authenticateZeroMic);
}

/**
 * MsvAvChannelBindings value: MD5 of a gss_channel_bindings_struct with empty addresses and `applicationData`
 * (for HTTPS, "tls-server-end-point:" followed by the hash of the server certificate, RFC 5929).
 */
export function channelBindingsHash(applicationData: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt32LE(applicationData.length, 16);
  return createHash('md5').update(header).update(applicationData).digest();
}

/** Splits `DOMAIN\user`, `user@domain.tld` (kept whole: Windows resolves the UPN) or a bare `user`. */
export function splitNtlmUser(username: string): { user: string; domain: string } {
  const slash = username.indexOf('\\');
  if (slash > 0) return { domain: username.slice(0, slash), user: username.slice(slash + 1) };
  return { domain: '', user: username };
}

export const CLIENT_NEGOTIATE_FLAGS =
  (NtlmFlags.UNICODE |
  NtlmFlags.OEM |
  NtlmFlags.REQUEST_TARGET |
  NtlmFlags.NTLM |
  NtlmFlags.ALWAYS_SIGN |
  NtlmFlags.EXTENDED_SESSIONSECURITY |
  NtlmFlags.TARGET_INFO |
  NtlmFlags.VERSION |
  NtlmFlags.NEGOTIATE_128 |
  NtlmFlags.NEGOTIATE_56) >>>
  0;

export interface AuthenticateParams {
  negotiate: Buffer;
  challenge: Buffer;
  username: string;
  password: string;
  workstation?: string;
  /** RFC 5929 application data of the TLS channel; sent as MsvAvChannelBindings (EPA). */
  channelBindingData?: Buffer;
  /** Service principal name sent as MsvAvTargetName, e.g. `HTTP/ca.example.com`. */
  targetSpn?: string;
  now?: number;
  clientChallenge?: Buffer;
}

/** Builds the AUTHENTICATE message answering `challenge` with an NTLMv2 response and a MIC. */
export function createAuthenticateMessage(params: AuthenticateParams): Buffer {
  const challenge = decodeChallenge(params.challenge);
  if ((challenge.flags & NtlmFlags.UNICODE) === 0) {
    throw new ProtocolError('the server did not select Unicode NTLM strings, which NTLMv2 clients require', 'NTLM_UNSUPPORTED');
  }
  if (challenge.targetInfo.length === 0) {
    throw new ProtocolError('the NTLM challenge carries no target information, so NTLMv2 is not possible', 'NTLM_UNSUPPORTED');
  }
  const serverPairs = decodeAvPairs(challenge.targetInfo);
  const serverTime = serverPairs.find((p) => p.id === AvId.TIMESTAMP)?.value;
  const flagsValue = Buffer.alloc(4);
  flagsValue.writeUInt32LE(AV_FLAG_MIC_PRESENT);
  const pairs: AvPair[] = [
    ...serverPairs.filter((p) => p.id !== AvId.FLAGS && p.id !== AvId.CHANNEL_BINDINGS && p.id !== AvId.TARGET_NAME),
    { id: AvId.FLAGS, value: flagsValue },
  ];
  if (params.channelBindingData) pairs.push({ id: AvId.CHANNEL_BINDINGS, value: channelBindingsHash(params.channelBindingData) });
  if (params.targetSpn) pairs.push({ id: AvId.TARGET_NAME, value: Buffer.from(params.targetSpn, 'utf16le') });

  const { user, domain } = splitNtlmUser(params.username);
  const responseKey = ntowfv2(params.password, user, domain);
  const clientChallenge = params.clientChallenge ?? randomBytes(8);
  const timestamp = serverTime ? Buffer.from(serverTime) : fileTime(params.now ?? Date.now());
  const blob = clientChallengeBlob(timestamp, clientChallenge, encodeAvPairs(pairs));
  const response = ntlmv2Response(responseKey, challenge.serverChallenge, blob);
  // With a server timestamp the client sends an all-zero LM response (MS-NLMP 3.1.5.1.2).
  const lmResponse = serverTime ? Buffer.alloc(24) : lmv2Response(responseKey, challenge.serverChallenge, clientChallenge);
  const flags = (challenge.flags & CLIENT_NEGOTIATE_FLAGS) | NtlmFlags.UNICODE;
  const message = encodeAuthenticate({
    flags,
    lmResponse,
    ntResponse: response.ntResponse,
    domain,
    user,
    workstation: params.workstation ?? '',
  });
  // Without KEY_EXCH the exported session key is the session base key (MS-NLMP 3.4.5.1, NTLMv2).
  return withMic(message, messageIntegrityCode(response.sessionBaseKey, params.negotiate, params.challenge, message));
}
