// What an administrator drops for the offline CA (F3): one certificate (PEM or DER), several PEM certificates in one
// file, or a PKCS#7 certs-only bundle (PEM or DER), all with any intermediates. Read with the DER reader, bounded
// before parsing; every certificate must parse.
import { ValidationError } from '../errors.ts';
import { MAX_CERTIFICATE_BYTES, readBasicConstraints, readCertificateParts } from './certificate-parts.ts';
import { MAX_CHAIN_CERTIFICATES } from './certificate.ts';
import { childrenOf, readObjectIdentifier, readWhole, TAG } from './der.ts';

/** A bundle holds a certificate and its chain; far above that is refused unread. */
export const MAX_BUNDLE_BYTES = MAX_CHAIN_CERTIFICATES * MAX_CERTIFICATE_BYTES * 2;

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----([A-Za-z0-9+/=\s]*?)-----END \1-----/g;

function unreadable(message: string): ValidationError {
  return new ValidationError(message, 'UNREADABLE_CERTIFICATE');
}

/** The certificates of a DER PKCS#7 SignedData (ContentInfo), in the order it lists them. */
function pkcs7Certificates(der: Uint8Array): Uint8Array[] {
  const [oid, wrapped] = childrenOf(der, readWhole(der, TAG.sequence));
  if (oid?.tag !== TAG.oid || readObjectIdentifier(der, oid) !== SIGNED_DATA || wrapped?.tag !== 0xa0) throw unreadable('the PKCS#7 bundle is not SignedData');
  const [signedData] = childrenOf(der, wrapped);
  if (signedData?.tag !== TAG.sequence) throw unreadable('the PKCS#7 SignedData is malformed');
  const certificates = childrenOf(der, signedData).find((field) => field.tag === 0xa0); // [0] IMPLICIT SET OF Certificate
  if (!certificates) throw unreadable('the PKCS#7 bundle holds no certificates');
  return childrenOf(der, certificates).map((element) => der.slice(element.start, element.end));
}

/** DER: a certificate (SEQUENCE whose first child is a SEQUENCE) or a PKCS#7 ContentInfo (first child an OID). */
function derCertificates(der: Uint8Array): Uint8Array[] {
  const top = readWhole(der, TAG.sequence);
  const first = childrenOf(der, top)[0];
  return first?.tag === TAG.oid ? pkcs7Certificates(der) : [der];
}

/** Every certificate of the file, in file order. UNREADABLE_CERTIFICATE for anything else. */
export function readCertificateBundle(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0) throw unreadable('the file is empty');
  if (bytes.length > MAX_BUNDLE_BYTES) throw unreadable(`the file is ${bytes.length} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit for a certificate bundle`);
  let certificates: Uint8Array[] = [];
  try {
    const text = Buffer.from(bytes).toString('latin1');
    if (text.includes('-----BEGIN ')) {
      for (const match of text.matchAll(PEM_BLOCK)) {
        const label = match[1]!;
        const der = new Uint8Array(Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64'));
        if (label === 'CERTIFICATE' || label === 'X509 CERTIFICATE') certificates.push(der);
        else if (label === 'PKCS7' || label === 'CMS') certificates.push(...pkcs7Certificates(der));
        else throw unreadable(`the file holds a PEM ${label} block, not a certificate or PKCS#7 bundle`);
        if (certificates.length > MAX_CHAIN_CERTIFICATES) break;
      }
      if (certificates.length === 0) throw unreadable('the file holds no PEM certificate');
    } else {
      certificates = derCertificates(bytes);
    }
  } catch (error) {
    if (error instanceof ValidationError && error.code === 'UNREADABLE_CERTIFICATE') throw error;
    throw unreadable(`the file is not a certificate, PEM or DER, nor a PKCS#7 bundle: ${(error as Error).message}`);
  }
  if (certificates.length > MAX_CHAIN_CERTIFICATES) throw unreadable(`the file holds more than ${MAX_CHAIN_CERTIFICATES} certificates`);
  for (const [index, der] of certificates.entries()) {
    try {
      readCertificateParts(der);
    } catch (error) {
      throw unreadable(`certificate ${index + 1} of the file does not parse: ${(error as Error).message}`);
    }
  }
  return certificates;
}

/** Splits a bundle into end-entity certificates and CA certificates (BasicConstraints CA:TRUE). */
export function splitLeaves(certificates: readonly Uint8Array[]): { leaves: Uint8Array[]; cas: Uint8Array[] } {
  const leaves: Uint8Array[] = [];
  const cas: Uint8Array[] = [];
  for (const der of certificates) (readBasicConstraints(readCertificateParts(der))?.ca ? cas : leaves).push(der);
  return { leaves, cas };
}

