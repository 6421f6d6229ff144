// IIS-side authentication for the emulator: Basic, and NTLM (raw or inside Negotiate) with a real NTLMv2 check of the
// AUTHENTICATE message against the configured password, the MIC, and, when Extended Protection is on, the channel
// binding of the TLS connection. NTLM authenticates the connection, as on IIS.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  AV_FLAG_MIC_PRESENT,
  AvId,
  NtlmFlags,
  decodeAuthenticate,
  decodeAvPairs,
  decodeNegotiateFlags,
  encodeAvPairs,
  encodeChallenge,
  withZeroMic,
} from '../../shared/issuers/ntlm/messages.ts';
import { channelBindingsHash, fileTime, fileTimeToMs, hmacMd5, ntowfv2 } from '../../shared/issuers/ntlm/ntlmv2.ts';

export interface EmulatorAccount {
  /** sAMAccountName, e.g. `capf-enroll`. */
  user: string;
  password: string;
}

export interface DirectoryNames {
  netbiosDomain: string;
  dnsDomain: string;
  netbiosComputer: string;
  dnsComputer: string;
}

/** What one TLS connection has negotiated so far. */
export interface ConnectionAuthState {
  id: number;
  ntlm?: { scheme: 'NTLM' | 'Negotiate'; negotiate: Buffer; challenge: Buffer; serverChallenge: Buffer };
  /** `CORP\user` once NTLM succeeded on this connection. */
  user?: string;
}

export type AuthCheck = { ok: true; user: string } | { ok: false; reason: string };

const MAX_CLOCK_SKEW_MS = 5 * 60_000;

function same(a: string, b: string): boolean {
  return a.localeCompare(b, 'en', { sensitivity: 'accent' }) === 0;
}

/** Resolves the three user name forms: `DOMAIN\user` (NetBIOS or DNS domain), `user@dns.domain`, bare `user`. */
export function findAccount(accounts: EmulatorAccount[], names: DirectoryNames, user: string, domain: string): EmulatorAccount | undefined {
  if (domain && !same(domain, names.netbiosDomain) && !same(domain, names.dnsDomain)) return undefined;
  const at = user.lastIndexOf('@');
  if (at > 0) {
    if (domain || !same(user.slice(at + 1), names.dnsDomain)) return undefined;
    return accounts.find((a) => same(a.user, user.slice(0, at)));
  }
  return accounts.find((a) => same(a.user, user));
}

export function canonicalUser(names: DirectoryNames, account: EmulatorAccount): string {
  return `${names.netbiosDomain}\\${account.user}`;
}

export function checkBasic(accounts: EmulatorAccount[], names: DirectoryNames, token: string): AuthCheck {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ok: false, reason: 'Basic token without a colon' };
  const login = decoded.slice(0, colon);
  const slash = login.indexOf('\\');
  const account = slash > 0 ? findAccount(accounts, names, login.slice(slash + 1), login.slice(0, slash)) : findAccount(accounts, names, login, '');
  const password = Buffer.from(decoded.slice(colon + 1));
  if (!account) return { ok: false, reason: `unknown user ${login}` };
  const expected = Buffer.from(account.password);
  if (expected.length !== password.length || !timingSafeEqual(expected, password)) return { ok: false, reason: `wrong password for ${login}` };
  return { ok: true, user: canonicalUser(names, account) };
}

/** Answers a NEGOTIATE message with a CHALLENGE carrying the directory names and a timestamp, like Windows. */
export function createNtlmChallenge(names: DirectoryNames, negotiate: Buffer, now = Date.now()): { challenge: Buffer; serverChallenge: Buffer } {
  const clientFlags = decodeNegotiateFlags(negotiate);
  const serverChallenge = randomBytes(8);
  const flags =
    NtlmFlags.UNICODE |
    NtlmFlags.REQUEST_TARGET |
    NtlmFlags.NTLM |
    NtlmFlags.ALWAYS_SIGN |
    NtlmFlags.TARGET_TYPE_DOMAIN |
    NtlmFlags.EXTENDED_SESSIONSECURITY |
    NtlmFlags.TARGET_INFO |
    NtlmFlags.VERSION |
    (clientFlags & (NtlmFlags.NEGOTIATE_128 | NtlmFlags.NEGOTIATE_56 | NtlmFlags.SIGN));
  const utf16 = (text: string): Buffer => Buffer.from(text, 'utf16le');
  const targetInfo = encodeAvPairs([
    { id: AvId.NB_DOMAIN_NAME, value: utf16(names.netbiosDomain) },
    { id: AvId.NB_COMPUTER_NAME, value: utf16(names.netbiosComputer) },
    { id: AvId.DNS_DOMAIN_NAME, value: utf16(names.dnsDomain) },
    { id: AvId.DNS_COMPUTER_NAME, value: utf16(names.dnsComputer) },
    { id: AvId.TIMESTAMP, value: fileTime(now) },
  ]);
  const challenge = encodeChallenge({ flags, serverChallenge, targetName: names.netbiosDomain, targetInfo });
  return { challenge, serverChallenge };
}

/** RFC 5929 tls-server-end-point data for a certificate signed with SHA-256 (every emulator certificate is). */
export function serverEndPointBinding(certificateDer: Buffer): Buffer {
  return Buffer.concat([Buffer.from('tls-server-end-point:', 'latin1'), createHash('sha256').update(certificateDer).digest()]);
}

export interface NtlmVerification {
  accounts: EmulatorAccount[];
  names: DirectoryNames;
  negotiate: Buffer;
  challenge: Buffer;
  serverChallenge: Buffer;
  authenticate: Buffer;
  /** This connection's tls-server-end-point data; a present but different binding always fails. */
  channelBindingData: Buffer;
  requireChannelBinding: boolean;
  now?: number;
}

/** The server half of NTLMv2 (MS-NLMP 3.2.5.1.2 and 3.3.2): the proof, the blob, the MIC and the channel binding. */
export function verifyNtlmAuthenticate(input: NtlmVerification): AuthCheck {
  let message;
  try {
    message = decodeAuthenticate(input.authenticate);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (message.ntResponse.length <= 24) return { ok: false, reason: 'NTLMv1/LM responses are refused (LmCompatibilityLevel 5)' };
  const account = findAccount(input.accounts, input.names, message.user, message.domain);
  if (!account) return { ok: false, reason: `unknown user ${message.domain}\\${message.user}` };
  const key = ntowfv2(account.password, message.user, message.domain);
  const proof = message.ntResponse.subarray(0, 16);
  const blob = message.ntResponse.subarray(16);
  if (blob.length < 32 || blob[0] !== 1 || blob[1] !== 1) return { ok: false, reason: 'malformed NTLMv2 client challenge' };
  if (!timingSafeEqual(proof, hmacMd5(key, input.serverChallenge, blob))) return { ok: false, reason: `wrong password for ${account.user}` };
  const skew = Math.abs(fileTimeToMs(blob.subarray(8, 16)) - (input.now ?? Date.now()));
  if (skew > MAX_CLOCK_SKEW_MS) return { ok: false, reason: `NTLMv2 timestamp is ${Math.round(skew / 1000)} s off` };
  let pairs;
  try {
    pairs = decodeAvPairs(blob.subarray(28));
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const flags = pairs.find((p) => p.id === AvId.FLAGS)?.value;
  if (flags && flags.length === 4 && (flags.readUInt32LE(0) & AV_FLAG_MIC_PRESENT) !== 0) {
    const sessionBaseKey = hmacMd5(key, proof);
    const mic = hmacMd5(sessionBaseKey, input.negotiate, input.challenge, withZeroMic(input.authenticate));
    if (!message.mic || !timingSafeEqual(mic, message.mic)) return { ok: false, reason: 'MIC does not verify' };
  }
  const binding = pairs.find((p) => p.id === AvId.CHANNEL_BINDINGS)?.value;
  const bindingGiven = binding !== undefined && !binding.equals(Buffer.alloc(16));
  if (bindingGiven && !binding.equals(channelBindingsHash(input.channelBindingData))) {
    return { ok: false, reason: 'channel binding does not match this TLS connection' };
  }
  if (input.requireChannelBinding && !bindingGiven) return { ok: false, reason: 'Extended Protection requires a channel binding' };
  return { ok: true, user: canonicalUser(input.names, account) };
}
