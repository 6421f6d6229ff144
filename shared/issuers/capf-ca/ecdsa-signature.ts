// ECDSA signature encodings. X.509 signatureValue holds the DER Ecdsa-Sig-Value SEQUENCE { r INTEGER, s INTEGER }
// (RFC 5480 §2.2.3), which is what KMS Sign returns; WebCrypto and JOSE use the raw IEEE P1363 form r ‖ s.
import { IssuerError } from '../../errors.ts';

/** Largest field size we handle (P-521: 66 bytes), so a hostile length can never allocate much. */
const MAX_FIELD_BYTES = 66;

function malformed(what: string): IssuerError {
  return new IssuerError(`ECDSA signature is not a DER Ecdsa-Sig-Value: ${what}`, 'BAD_ECDSA_SIGNATURE');
}

/** Reads one DER INTEGER at `offset`; returns its unsigned magnitude (leading zero removed) and the next offset. */
function readPositiveInteger(der: Uint8Array, offset: number): { magnitude: Uint8Array; next: number } {
  if (der[offset] !== 0x02) throw malformed('expected an INTEGER');
  const length = der[offset + 1];
  if (length === undefined || length === 0 || length > MAX_FIELD_BYTES + 1) throw malformed('INTEGER length out of range');
  const start = offset + 2;
  const end = start + length;
  if (end > der.length) throw malformed('INTEGER runs past the end');
  const value = der.subarray(start, end);
  const first = value[0] as number;
  if (first & 0x80) throw malformed('INTEGER is negative');
  if (first === 0 && length > 1 && !((value[1] as number) & 0x80)) throw malformed('INTEGER has a superfluous leading zero');
  const magnitude = first === 0 ? value.subarray(1) : value;
  if (magnitude.length === 0) throw malformed('INTEGER is zero');
  return { magnitude, next: end };
}

/**
 * DER Ecdsa-Sig-Value → raw r ‖ s, each left-padded to `fieldBytes` (32 for P-256, 48 for P-384, 66 for P-521).
 * Strict DER: short-form lengths only (the largest signature, P-521, is 139 bytes), minimal positive integers.
 */
export function ecdsaDerToRaw(der: Uint8Array, fieldBytes: number): Uint8Array {
  if (!Number.isInteger(fieldBytes) || fieldBytes < 1 || fieldBytes > MAX_FIELD_BYTES) throw malformed(`unsupported field size ${fieldBytes}`);
  // Largest: SEQUENCE header 3 + two INTEGERs of (2 header + 1 sign pad + 66) bytes = 141.
  if (der.length < 8 || der.length > 3 + 2 * (MAX_FIELD_BYTES + 3)) throw malformed(`length ${der.length} out of range`);
  let offset = 0;
  let bodyLength: number;
  if (der[0] !== 0x30) throw malformed('expected a SEQUENCE');
  if (der[1] === 0x81) {
    bodyLength = der[2] as number;
    if (bodyLength < 0x80) throw malformed('long-form length where short form is required');
    offset = 3;
  } else {
    bodyLength = der[1] as number;
    if (bodyLength & 0x80) throw malformed('unsupported length form');
    offset = 2;
  }
  if (offset + bodyLength !== der.length) throw malformed('SEQUENCE length does not match the signature length');
  const r = readPositiveInteger(der, offset);
  const s = readPositiveInteger(der, r.next);
  if (s.next !== der.length) throw malformed('trailing bytes after s');
  if (r.magnitude.length > fieldBytes || s.magnitude.length > fieldBytes) throw malformed(`r or s is longer than ${fieldBytes} bytes`);
  const raw = new Uint8Array(2 * fieldBytes);
  raw.set(r.magnitude, fieldBytes - r.magnitude.length);
  raw.set(s.magnitude, 2 * fieldBytes - s.magnitude.length);
  return raw;
}

function derInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const pad = (trimmed[0] as number) & 0x80 ? 1 : 0;
  const out = new Uint8Array(2 + pad + trimmed.length);
  out[0] = 0x02;
  out[1] = pad + trimmed.length;
  out.set(trimmed, 2 + pad);
  return out;
}

/** Raw r ‖ s (even length, each half one field element) → DER Ecdsa-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0 || raw.length > 2 * MAX_FIELD_BYTES) {
    throw malformed(`raw signature of ${raw.length} bytes is not r ‖ s of one field size`);
  }
  const half = raw.length / 2;
  const r = derInteger(raw.subarray(0, half));
  const s = derInteger(raw.subarray(half));
  if (r.length === 3 && r[2] === 0) throw malformed('r is zero');
  if (s.length === 3 && s[2] === 0) throw malformed('s is zero');
  const bodyLength = r.length + s.length;
  const header = bodyLength < 0x80 ? [0x30, bodyLength] : [0x30, 0x81, bodyLength];
  const out = new Uint8Array(header.length + bodyLength);
  out.set(header, 0);
  out.set(r, header.length);
  out.set(s, header.length + r.length);
  return out;
}
