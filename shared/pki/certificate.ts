// Certificates as the rest of the system handles them: PEM text, the StoredCertificate summary, chains.
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import type { StoredCertificate } from '../model.ts';
import { commonNames, formatName, MAX_CERTIFICATE_BYTES, readBasicConstraints, readCertificateParts } from './certificate-parts.ts';

export { MAX_CERTIFICATE_BYTES } from './certificate-parts.ts';

/** A chain or trust-store upload holds a handful of certificates; more is a mistake or an attack. */
export const MAX_CHAIN_CERTIFICATES = 16;
const MAX_PEM_TEXT = MAX_CHAIN_CERTIFICATES * MAX_CERTIFICATE_BYTES * 2;

export type CertificateDescription = Omit<StoredCertificate, 'pem'> & {
  /** The first CN of the subject, if any. */
  commonName?: string;
  /** BasicConstraints cA. */
  isCa: boolean;
  /** Issuer DN equals subject DN byte-for-byte (a root, or a self-issued CA). */
  selfIssued: boolean;
};

function invalid(message: string): ValidationError {
  return new ValidationError(message, 'INVALID_CERTIFICATE');
}

function serialHex(integerContent: Uint8Array): string {
  const hex = Buffer.from(integerContent).toString('hex').replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

/**
 * The summary fields of a certificate, read with our DER reader only: node:crypto's X509Certificate costs ~0.2 ms per
 * parse in Node 20 (as much as an RSA signature), and this runs once per issuance. Signatures are not checked here.
 */
export function describeCertificate(der: Uint8Array): CertificateDescription {
  const parts = readCertificateParts(der);
  const [commonName] = commonNames(parts.subject);
  const description: CertificateDescription = {
    serialHex: serialHex(parts.serial),
    subject: formatName(parts.subject),
    issuer: formatName(parts.issuer),
    notBefore: parts.notBefore.toISOString(),
    notAfter: parts.notAfter.toISOString(),
    sha256Fingerprint: createHash('sha256').update(der).digest('hex'),
    isCa: readBasicConstraints(parts)?.ca ?? false,
    selfIssued: Buffer.from(parts.issuer).equals(parts.subject),
  };
  if (commonName !== undefined) description.commonName = commonName;
  return description;
}

export function toStoredCertificate(der: Uint8Array): StoredCertificate {
  const { serialHex, subject, issuer, notBefore, notAfter, sha256Fingerprint } = describeCertificate(der);
  return { pem: derToPem(der), serialHex, subject, issuer, notBefore, notAfter, sha256Fingerprint };
}

export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let at = 0; at < base64.length; at += 64) body += `${base64.slice(at, at + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----([^-]*)-----END ([A-Z0-9 ]{1,40})-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function decodeBlock(label: string, endLabel: string, body: string, expectedLabel: string): Uint8Array {
  // Never echo the body: a mislabelled block may be a private key.
  if (label !== endLabel) throw invalid(`PEM block BEGIN ${label} ends with END ${endLabel}`);
  if (label !== expectedLabel) throw invalid(`expected a PEM ${expectedLabel} block, found ${label}`);
  if (!BASE64_BODY.test(body)) throw invalid(`PEM ${label} block is not valid base64`);
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (der.length === 0) throw invalid(`PEM ${label} block is empty`);
  return new Uint8Array(der.buffer, der.byteOffset, der.byteLength);
}

function pemBlocks(text: string, expectedLabel: string, maxBlocks: number): Uint8Array[] {
  if (text.length > MAX_PEM_TEXT) throw invalid(`PEM text of ${text.length} characters exceeds the ${MAX_PEM_TEXT}-character bound`);
  const out: Uint8Array[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (out.length === maxBlocks) throw invalid(`more than ${maxBlocks} PEM blocks`);
    out.push(decodeBlock(match[1]!, match[3]!, match[2]!, expectedLabel));
  }
  if (out.length === 0) throw invalid(`no PEM ${expectedLabel} block found`);
  return out;
}

/** The DER of the single PEM block with this label. */
export function pemToDer(pem: string, label = 'CERTIFICATE'): Uint8Array {
  const [der] = pemBlocks(pem, label, 1);
  return der!;
}

/** Every CERTIFICATE block of a PEM chain, in order; each must be a parseable certificate. */
export function splitPemChain(text: string): Uint8Array[] {
  const certificates = pemBlocks(text, 'CERTIFICATE', MAX_CHAIN_CERTIFICATES);
  for (const der of certificates) readCertificateParts(der);
  return certificates;
}
