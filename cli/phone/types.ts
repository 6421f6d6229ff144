// What `runPhone` takes and gives back. The simulated phone plays the PHONE side of docs/protocol.md §4.
import type { SecureVersion } from 'node:tls';
import { CapfError } from '../../shared/errors.ts';

/** Points in a session where a misbehaving phone stops answering or drops the connection. */
export type PhoneStep = 'connect' | 'auth-request' | 'keygen-request' | 'store-request';
export const PHONE_STEPS: readonly PhoneStep[] = ['connect', 'auth-request', 'keygen-request', 'store-request'];

export interface CertificateAndKey {
  certificatePem: string;
  /** PKCS#8 or PKCS#1/SEC1 PEM; RSA (raw PKCS#1 proofs) or EC (ECDSA proofs). */
  privateKeyPem: string;
}

/** How the phone authenticates in AUTH_RESPONSE (§4.2). */
export type PhoneAuth =
  | { mode: 'null' }
  | { mode: 'password'; password: string }
  | (CertificateAndKey & {
      mode: 'certificate';
      /** The type byte in the CERTIFICATE sub-header; 1 (LSC) like the reference client. */
      certificateType?: number;
      /** Adds SUDI_DATA (§4.4), signed over the little-endian session id. */
      sudi?: CertificateAndKey;
    });

/** Switches that make the phone break the protocol on purpose, so server tests can see how it copes. */
export interface PhoneMisbehaviour {
  /** Each message's 8-byte header goes out as 4 + 4 bytes in two writes (the body rides with the second). */
  splitHeader?: boolean;
  /** One byte per write. */
  trickle?: boolean;
  /** Every phone message carries the session id + 1. */
  wrongSessionId?: boolean;
  /** AUTH_RESPONSE also carries tag 19 (DIGEST_TYPE) and tag 99. */
  unknownTags?: boolean;
  /** STORE_CERTIFICATE_RESPONSE answers REASON 7 and the certificate is not kept. */
  failStore?: boolean;
  /** KEY_GENERATE_RESPONSE answers REASON 7 with no PUBLIC_KEY. */
  failKeygen?: boolean;
  /** Stop answering after this step (keep reading until the server closes or the timeout). */
  silentAfter?: PhoneStep;
  /** Close the socket at this step. */
  dropAfter?: PhoneStep;
  /** AUTH_RESPONSE carries no PASSWORD element at all. */
  omitPassword?: boolean;
  /** SUDI signatures cover the big-endian session id (a server must refuse them). */
  sudiBigEndian?: boolean;
  /** Flip a bit in the proof-of-possession signatures: true = SHA-1 and SHA-512 ones, or just the one named. */
  corruptSignature?: boolean | 'sha1' | 'sha512' | 'sudi';
  /** The hash algorithm byte of SHA2_SIGNED_DATA (default 3, SHA-512); the signature itself stays SHA-512. */
  sha2HashAlgorithm?: number;
  /** REQUEST_IN_PROGRESS messages before a key/CSR answer; default 1. */
  inProgressCount?: number;
}

export interface PhoneOptions {
  host: string;
  port: number;
  deviceName: string;
  /** The CAPF certificate the phone trusts (as from its ITL). The host name is not checked, like real phones. */
  caPem?: string;
  /** Accept any server certificate. */
  insecure?: boolean;
  /** Default `{ mode: 'null' }`. */
  auth?: PhoneAuth;
  /** VERSION in AUTH_RESPONSE: 3 (default), or 2 to act like Jabber (Jabber's element order, §9 CUCM capture). */
  version?: number;
  /** Limit for the TLS handshake and for each wait on a server message; default 30 000 ms. */
  timeoutMs?: number;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL cipher string; TLS 1.0/1.1 get `DEFAULT:@SECLEVEL=0` unless given. */
  ciphers?: string;
  /** The LSC the phone holds now: answers FETCH and DELETE. */
  lscPem?: string;
  /** A key generated in an earlier session (CSR sent to an offline CA), so a later STORE can be matched to it. */
  pendingKeyPem?: string;
  /** Default true; false answers SIGN_CERTIFICATE_REQUEST with REASON 7 and no CSR. */
  supportsCsr?: boolean;
  /** Default true; false answers an EC key request with REASON 7 (an RSA-only phone). */
  supportsEc?: boolean;
  misbehave?: PhoneMisbehaviour;
}

export type PhoneOperation = 'install' | 'fetch' | 'delete' | 'none' | 'unknown';

export interface TranscriptEntry {
  /** S = server to phone, P = phone to server. */
  direction: 'S' | 'P';
  opcode: number;
  name: string;
  sessionId: number;
  tags: number[];
}

export interface PhoneResult {
  /** Learned from AUTH_REQUEST; 0 when none arrived. */
  sessionId: number;
  /** REASON of END_SESSION, when one arrived. */
  endReason?: number;
  /** REASON_INFO text of the END_SESSION, when the server said why (an expired operation). */
  endInfo?: string;
  /** The connection ended without an END_SESSION (server closed, phone dropped, or an error). */
  closedWithoutEnd: boolean;
  /** What the server asked for: 'none' = END_SESSION right after authentication; 'unknown' = never got that far. */
  operation: PhoneOperation;
  /** The LSC the phone stored in this session. */
  certificatePem?: string;
  /** PKCS#8 PEM of the key generated in this session; the simulated phone keeps it to authenticate with the LSC later. */
  privateKeyPem?: string;
  /** Answer to FETCH: true = sent the LSC, false = had none (REASON 7). */
  fetchedAnswered?: boolean;
  /** The CSR sent in SIGN_CERTIFICATE_RESPONSE, DER. */
  csrDer?: Uint8Array;
  /** The negotiated TLS version, e.g. 'TLSv1.3'. */
  tlsProtocol?: string;
  transcript: TranscriptEntry[];
  /** Why the session did not run cleanly (TLS failure, timeout, unexpected message, bad certificate...). */
  error?: string;
}

/** A failure inside the simulated phone: a message it cannot handle, a timeout, a certificate for another key. */
export class PhoneSimulatorError extends CapfError {
  constructor(message: string, code = 'PHONE_SIMULATOR', options?: { cause?: unknown }) {
    super(message, code, options);
  }
}
