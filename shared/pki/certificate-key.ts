// Does a certificate carry a given public key? Compared after a parse + re-export, so two encodings of one key (an
// issuer may re-encode the SPKI it was given) still match.
import { createPublicKey, X509Certificate } from 'node:crypto';
import { readCertificateParts } from './certificate-parts.ts';

function canonicalSpki(spkiDer: Uint8Array): Buffer | undefined {
  try {
    return createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** The certificate's SubjectPublicKeyInfo in canonical DER, or undefined when the certificate does not parse. */
export function certificatePublicKeyDer(certificateDer: Uint8Array): Uint8Array | undefined {
  try {
    return new X509Certificate(certificateDer).publicKey.export({ format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** True when `certificateDer` parses and carries the same key as the DER SPKI `spkiDer`. */
export function certificateHasKey(certificateDer: Uint8Array, spkiDer: Uint8Array): boolean {
  // Fast path on every issuance: an LSC we built carries the phone's SPKI byte for byte (no key parse needed).
  try {
    if (Buffer.from(readCertificateParts(certificateDer).spki).equals(Buffer.from(spkiDer))) return true;
  } catch {
    // not readable by our strict reader: let node:crypto decide below
  }
  const inCertificate = certificatePublicKeyDer(certificateDer);
  const expected = canonicalSpki(spkiDer);
  return inCertificate !== undefined && expected !== undefined && Buffer.from(inCertificate).equals(expected);
}

/** True when two DER SPKIs parse and are the same key (whatever their encoding). */
export function samePublicKey(spkiA: Uint8Array, spkiB: Uint8Array): boolean {
  const a = canonicalSpki(spkiA);
  const b = canonicalSpki(spkiB);
  return a !== undefined && b !== undefined && a.equals(b);
}
