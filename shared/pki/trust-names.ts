// Names of trust-store certificates, read from their PEM.
import { commonNames, readCertificateParts } from './certificate-parts.ts';
import { pemToDer } from './certificate.ts';

/** The first CN of the certificate's subject, or undefined when it has none. */
export function commonNameOf(pem: string): string | undefined {
  return commonNames(readCertificateParts(pemToDer(pem)).subject)[0];
}
