// The checks an LSC signed by an offline CA passes before it is delivered (F3): valid now, the key usage phones demand
// (digitalSignature + keyEncipherment), a subject CN that is the device name, a chain to CAPF-trust (intermediates may
// come in the bundle). Pure; each refusal has its code.
import { AsnConvert } from '@peculiar/asn1-schema';
import { KeyUsage, KeyUsageFlags } from '@peculiar/asn1-x509';
import { AuthenticationError } from '../errors.ts';
import { peerText } from '../peer-text.ts';
import { verifyIssuedBy } from './chain.ts';
import { commonNames, readCertificateParts } from './certificate-parts.ts';
import { OID } from './x509-encoding.ts';

export type ImportRefusalCode =
  | 'UNREADABLE_CERTIFICATE'
  | 'NO_MATCHING_CSR'
  | 'DUPLICATE'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'KEY_USAGE'
  | 'UNTRUSTED_CHAIN'
  | 'SUBJECT_MISMATCH';

export interface ImportRefusal {
  code: ImportRefusalCode;
  reason: string;
}

export interface LscCheckContext {
  deviceName: string;
  /** CAPF-trust. */
  anchorsDer: Uint8Array[];
  /** The other certificates of the upload: intermediates. */
  intermediatesDer: Uint8Array[];
  now: Date;
}

/** The issuing chain (issuer first, the CAPF-trust anchor last), or the first refusal. */
export function checkImportedLsc(leafDer: Uint8Array, context: LscCheckContext): { chainDer: Uint8Array[] } | ImportRefusal {
  const parts = readCertificateParts(leafDer);
  const cn = commonNames(parts.subject)[0];
  if (cn !== context.deviceName) {
    return { code: 'SUBJECT_MISMATCH', reason: `the subject CN "${peerText(cn ?? '')}" is not the device name ${context.deviceName} of the matching CSR` };
  }
  if (context.now < parts.notBefore) return { code: 'NOT_YET_VALID', reason: `the certificate is not valid before ${parts.notBefore.toISOString()}` };
  if (context.now > parts.notAfter) return { code: 'EXPIRED', reason: `the certificate expired at ${parts.notAfter.toISOString()}` };
  const missing = missingKeyUsage(parts.extensions.get(OID.keyUsage)?.value);
  if (missing.length) {
    return { code: 'KEY_USAGE', reason: `the certificate's key usage lacks ${missing.join(' and ')}; phones refuse an LSC without digitalSignature + keyEncipherment` };
  }
  try {
    const { path } = verifyIssuedBy(leafDer, context.anchorsDer, { intermediatesDer: context.intermediatesDer, now: context.now });
    return { chainDer: path.slice(1) };
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    return { code: 'UNTRUSTED_CHAIN', reason: `the certificate does not chain to CAPF-trust (${error.message}); add its CA to CAPF-trust or put the intermediates in the upload` };
  }
}

function missingKeyUsage(extension: Uint8Array | undefined): string[] {
  let usages = 0;
  if (extension) {
    try {
      usages = AsnConvert.parse(extension, KeyUsage).toNumber();
    } catch {
      usages = 0;
    }
  }
  return [
    (usages & KeyUsageFlags.digitalSignature) === 0 ? 'digitalSignature' : undefined,
    (usages & KeyUsageFlags.keyEncipherment) === 0 ? 'keyEncipherment' : undefined,
  ].filter((name): name is string => name !== undefined);
}
