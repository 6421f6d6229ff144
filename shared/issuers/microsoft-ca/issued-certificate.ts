// Checks what certsrv hands back before it becomes a phone's LSC: the certificate must carry the CSR's key and the
// key usage CUCM phones demand (digitalSignature + keyEncipherment, F2), and it must chain to the CA certificates
// the site publishes (certnew.p7b), which become the returned chain.
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { KeyUsage, KeyUsageFlags } from '@peculiar/asn1-x509';
import 'reflect-metadata';
import { X509Certificates } from '@peculiar/x509';
import { readCertificateParts, MAX_CERTIFICATE_BYTES, type CertificateParts } from '../../pki/certificate-parts.ts';
import { MAX_CHAIN_CERTIFICATES, pemToDer } from '../../pki/certificate.ts';
import { verifyIssuedBy } from '../../pki/chain.ts';
import { OID } from '../../pki/x509-encoding.ts';
import { MicrosoftCaError } from './errors.ts';

const PEM_ARMOUR = /^\s*-----BEGIN /;

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function parts(der: Uint8Array, what: string): CertificateParts {
  try {
    return readCertificateParts(der);
  } catch (err) {
    throw new MicrosoftCaError(`${what} is not a parseable X.509 certificate: ${(err as Error).message}`, 'BAD_RESPONSE');
  }
}

/** The certificate of a `certnew.cer` answer: PEM for Enc=b64, DER otherwise; bounded before decoding. */
export function certificateFromBody(body: Buffer, what: string): Uint8Array {
  if (body.length > 2 * MAX_CERTIFICATE_BYTES) throw new MicrosoftCaError(`${what} is ${body.length} bytes, far above any certificate`, 'BAD_RESPONSE');
  let der: Uint8Array;
  try {
    der = PEM_ARMOUR.test(body.toString('latin1', 0, 64)) ? pemToDer(body.toString('latin1')) : new Uint8Array(body);
  } catch (err) {
    throw new MicrosoftCaError(`${what} is not a PEM certificate: ${(err as Error).message}`, 'BAD_RESPONSE');
  }
  parts(der, what);
  return der;
}

/** The certificates of a certs-only PKCS#7 (`certnew.p7b`), DER or in certsrv's CERTIFICATE-armoured base64. */
export function certificatesFromPkcs7(body: Buffer, what: string): Uint8Array[] {
  let certificates: X509Certificates;
  try {
    const der = PEM_ARMOUR.test(body.toString('latin1', 0, 64))
      ? Buffer.from(body.toString('latin1').replace(/-----(BEGIN|END) [A-Z0-9 #]{1,40}-----/g, '').replace(/\s+/g, ''), 'base64')
      : body;
    certificates = new X509Certificates(der);
  } catch (err) {
    throw new MicrosoftCaError(`${what} is not a PKCS#7 certificate bundle: ${(err as Error).message}`, 'BAD_RESPONSE');
  }
  if (certificates.length === 0 || certificates.length > MAX_CHAIN_CERTIFICATES) {
    throw new MicrosoftCaError(`${what} holds ${certificates.length} certificates (expected 1 to ${MAX_CHAIN_CERTIFICATES})`, 'BAD_RESPONSE');
  }
  return certificates.map((c) => {
    const der = new Uint8Array(c.rawData);
    parts(der, what);
    return der;
  });
}

export interface IssuedCertificateContext {
  expectedSpkiSha256: string;
  template: string;
  reqId: number;
  host: string;
}

/** Refuses a certificate with another key or without digitalSignature + keyEncipherment. */
export function checkIssuedCertificate(der: Uint8Array, context: IssuedCertificateContext): void {
  const certificate = parts(der, `the certificate of request ${context.reqId}`);
  if (sha256Hex(certificate.spki) !== context.expectedSpkiSha256) {
    throw new MicrosoftCaError(
      `request ${context.reqId} on ${context.host} returned a certificate for a different public key than the phone's CSR; the CA may be rewriting requests or the request id was reused: check request ${context.reqId} in the CA console`,
      'PUBLIC_KEY_MISMATCH',
    );
  }
  const extension = certificate.extensions.get(OID.keyUsage);
  let usages = 0;
  if (extension) {
    try {
      usages = AsnConvert.parse(extension.value, KeyUsage).toNumber();
    } catch (err) {
      throw new MicrosoftCaError(`the key usage extension of request ${context.reqId} does not parse: ${(err as Error).message}`, 'BAD_RESPONSE');
    }
  }
  const missing = [
    (usages & KeyUsageFlags.digitalSignature) === 0 ? 'digitalSignature' : undefined,
    (usages & KeyUsageFlags.keyEncipherment) === 0 ? 'keyEncipherment' : undefined,
  ].filter(Boolean);
  if (missing.length) {
    throw new MicrosoftCaError(
      `template ${context.template} on ${context.host} issued a certificate (request ${context.reqId}) without ${missing.join(' and ')} key usage; phones reject an LSC that lacks digitalSignature + keyEncipherment, so it was not delivered: edit the template (Extensions > Key Usage: Digital signature, and "Allow key exchange only with key encryption (key encipherment)") and repeat the operation`,
      'KEY_USAGE_MISSING',
    );
  }
}

/** The issuing chain of `leafDer` (issuer first, root last) among the CA certificates the site published. */
export function chainFor(leafDer: Uint8Array, caCertificatesDer: Uint8Array[], reqId: number): Uint8Array[] {
  const selfSigned = caCertificatesDer.filter((der) => {
    const p = readCertificateParts(der);
    return Buffer.from(p.subject).equals(Buffer.from(p.issuer));
  });
  const anchors = selfSigned.length ? selfSigned : caCertificatesDer;
  const intermediates = caCertificatesDer.filter((der) => !anchors.includes(der));
  try {
    return verifyIssuedBy(leafDer, anchors, { intermediatesDer: intermediates }).path.slice(1);
  } catch (err) {
    const code = (err as { code?: string }).code === 'CERTIFICATE_NOT_VALID' ? 'CERTIFICATE_NOT_VALID' : 'CHAIN_INVALID';
    throw new MicrosoftCaError(`the certificate of request ${reqId} does not verify against the CA chain the site publishes: ${(err as Error).message}`, code);
  }
}
