// The sign call's request and answer: one JSON shape for the Lambda event, the in-process call and the tests.
// Binary fields of the request travel as base64; every field is bounded before it is decoded. The issued certificate
// travels in the one form it has from the sign service to the device record, a StoredCertificate (PEM and the facts
// people and queries need): the sign service makes it from the issuer's DER once, the listener turns its PEM into DER
// once for the phone.
import * as z from 'zod';
import type { StoredCertificate } from '../model.ts';
import { MAX_SPKI_BYTES } from '../pki/index.ts';
import { MAX_CSR_BYTES } from '../pki/csr.ts';

const base64Chars = (bytes: number) => 4 * Math.ceil(bytes / 3);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64Field(name: string, maxBytes: number) {
  return z
    .string()
    .min(1, { error: `${name} is empty` })
    .max(base64Chars(maxBytes), { error: `${name} is over ${maxBytes} bytes` })
    .regex(BASE64, { error: `${name} is not base64` })
    .transform((text): Uint8Array => new Uint8Array(Buffer.from(text, 'base64')));
}

/** Printable ASCII without spaces: ids are logged and used in keys. */
const ID = /^[\x21-\x7e]+$/;

export const signRequestSchema = z.object({
  /** Unique per attempt; the issuer may use it as an idempotency token. (100: the store keeps ≤ 128 with a suffix.) */
  requestId: z.string().min(1).max(100).regex(ID, { error: 'requestId must be printable ASCII without spaces' }),
  deviceName: z.string().min(1).max(64),
  operationId: z.string().min(1).max(128).regex(ID, { error: 'operationId must be printable ASCII without spaces' }),
  /** DER SubjectPublicKeyInfo the phone generated, base64. */
  publicKeyDer: base64Field('publicKeyDer', MAX_SPKI_BYTES),
  /** DER PKCS#10 the phone signed (CSR flow), base64. */
  csrDer: base64Field('csrDer', MAX_CSR_BYTES).optional(),
  /** The listener's session id: the log trail, and the device's statusSessionId when this request marks it in progress. */
  sessionId: z.number().int().min(0).max(0xffffffff).optional(),
});

/** The decoded request the SignService works on. */
export type SignRequest = z.output<typeof signRequestSchema>;
/** The JSON (base64) form that crosses the Lambda boundary. */
export type SignRequestJson = z.input<typeof signRequestSchema>;

export type SignResponse =
  /** notice: something the device's status should say about the certificate (its validity capped at the CA's). */
  | { status: 'issued'; certificate: StoredCertificate; chainPem: string[]; notice?: string }
  /** busy: another signer holds this key's claim (retry for the same certificate); otherwise the CA keeps the request. */
  | { status: 'pending'; message: string; busy?: true }
  | { status: 'refused'; code: string; reason: string };

const MAX_PEM = 32_768;
const text = (max: number) => z.string().min(1).max(max);
const isoTime = text(40).refine((value) => !Number.isNaN(Date.parse(value)), { error: 'not an ISO 8601 time' });

const storedCertificateSchema = z.object({
  pem: text(MAX_PEM).refine((pem) => pem.includes('-----BEGIN CERTIFICATE-----'), { error: 'not a PEM certificate' }),
  serialHex: z.string().regex(/^[0-9a-f]{1,64}$/),
  subject: text(2048),
  issuer: text(2048),
  notBefore: isoTime,
  notAfter: isoTime,
  sha256Fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Validates an answer read back from the Lambda (or any untrusted hop). */
export const signResponseSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('issued'), certificate: storedCertificateSchema, chainPem: z.array(text(MAX_PEM)).max(16), notice: text(512).optional() }),
  z.object({ status: z.literal('pending'), message: text(2048), busy: z.literal(true).optional() }),
  z.object({ status: z.literal('refused'), code: text(64), reason: text(4096) }),
]);

/** Encodes a decoded request as JSON (for a client that holds bytes). */
export function toSignRequestJson(request: SignRequest): SignRequestJson {
  const json: SignRequestJson = {
    requestId: request.requestId,
    deviceName: request.deviceName,
    operationId: request.operationId,
    publicKeyDer: Buffer.from(request.publicKeyDer).toString('base64'),
  };
  if (request.csrDer) json.csrDer = Buffer.from(request.csrDer).toString('base64');
  if (request.sessionId !== undefined) json.sessionId = request.sessionId;
  return json;
}
