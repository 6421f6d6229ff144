// Numbers of the CAPF wire protocol (docs/protocol.md §1–§3). Names follow the spec's tables.

/** Byte 0 of every message in both directions. */
export const PROTOCOL_ID = 0x55;
/** magic(1) + opcode(1) + session id(4, big-endian) + body length(2, big-endian). */
export const HEADER_LENGTH = 8;
/** The body length field is 16 bits wide. */
export const MAX_WIRE_BODY_LENGTH = 0xffff;
/** What the server sends in AUTH_REQUEST; phones answer 3, Jabber answers 2 (both accepted). */
export const PROTOCOL_VERSION = 3;
export const ACCEPTED_VERSIONS: readonly number[] = [2, 3];

export const Opcode = {
  AuthRequest: 1,
  AuthResponse: 2,
  KeyGenerateRequest: 3,
  KeyGenerateResponse: 4,
  EncryptResponse: 5,
  EncryptRequest: 6,
  DecryptRequest: 7,
  DecryptResponse: 8,
  StoreCertificateRequest: 9,
  StoreCertificateResponse: 10,
  FetchCertificateRequest: 11,
  FetchCertificateResponse: 12,
  DeleteCertificateRequest: 13,
  DeleteCertificateResponse: 14,
  EndSession: 15,
  RetryLater: 16,
  RequestInProgress: 17,
  StatusRequest: 18,
  StatusResponse: 19,
  AbortRequest: 20,
  AbortResponse: 21,
  /** Provisional (never seen in a capture): server asks the phone for a PKCS#10 CSR. See csr-flow.ts. */
  SignCertificateRequest: 22,
  /** Provisional: the phone's CSR. */
  SignCertificateResponse: 23,
} as const;
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

export const Tag = {
  Reason: 1,
  ReasonInfo: 2,
  CertificateType: 3,
  Certificate: 4,
  CertificateId: 5,
  SignedData: 6,
  Version: 7,
  AuthType: 8,
  PublicKey: 9,
  KeySize: 10,
  Password: 11,
  RetryDelay: 12,
  DeviceName: 13,
  SudiData: 16,
  KeyType: 17,
  Curve: 18,
  DigestType: 19,
  Sha2SignedData: 20,
  /** Provisional: DER PKCS#10 in SIGN_CERTIFICATE_RESPONSE (tag unused by every known source). */
  Csr: 21,
} as const;

export const Reason = {
  NoAction: 0,
  UpdateCertificate: 1,
  InvalidElement: 7,
  UnknownDevice: 9,
} as const;

export const AuthType = { None: 0, Password: 1, NoPassword: 2, Lsc: 3, Mic: 4 } as const;
export const KeyType = { Rsa: 0, Ec: 1 } as const;
export const CurveCode = { 'P-256': 0, 'P-384': 1, 'P-521': 2 } as const;
export const CertificateTypeCode = { Lsc: 1, Mic: 2 } as const;
export const HashAlgorithm = { Sha1: 1, Sha256: 2, Sha512: 3 } as const;

const opcodeNames = new Map<number, string>(Object.entries(Opcode).map(([name, code]) => [code, name]));
const tagNames = new Map<number, string>(Object.entries(Tag).map(([name, code]) => [code, name]));

export function opcodeName(code: number): string {
  return opcodeNames.get(code) ?? `Opcode${code}`;
}

export function tagName(code: number): string {
  return tagNames.get(code) ?? `Tag${code}`;
}
