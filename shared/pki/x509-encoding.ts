// The X.509 pieces the certificates we make (the CAPF CA and the LSC) and our CRL are built from, in DER.
import { randomBytes } from 'node:crypto';
import type { CaSigner } from '../ports/index.ts';
import {
  asciiString,
  bitString,
  BOOLEAN_TRUE,
  namedBits,
  objectIdentifier,
  octetString,
  sequence,
  smallInteger,
  tlv,
  TAG,
  unsignedInteger,
  utf8String,
  x509Time,
} from './der.ts';

export const OID = {
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  stateOrProvince: '2.5.4.8',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  cRLReason: '2.5.29.21',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  ipsecEndSystem: '1.3.6.1.5.5.7.3.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
} as const;

/** KeyUsage bit numbers (RFC 5280 §4.2.1.3). */
export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** Extended key usages of both the CAPF certificate and the LSC (what CUCM and the reference put there). */
export const CAPF_EXTENDED_KEY_USAGES = [OID.serverAuth, OID.clientAuth, OID.ipsecEndSystem] as const;

const ALGORITHM_IDENTIFIERS = {
  // sha256WithRSAEncryption carries explicit NULL parameters; ecdsa-with-SHA256 carries none (RFC 4055, RFC 5758).
  rsa: sequence(objectIdentifier(OID.sha256WithRSAEncryption), Uint8Array.of(TAG.null, 0)),
  ec: sequence(objectIdentifier(OID.ecdsaWithSHA256)),
} as const;

/** The DER AlgorithmIdentifier of SHA-256 signatures made with a key of this type. */
export function signatureAlgorithm(keyType: CaSigner['keyType']): Uint8Array {
  return ALGORITHM_IDENTIFIERS[keyType];
}

export const VERSION_3 = tlv(0xa0, smallInteger(2));

/** A random positive serial of 128 bits (DER INTEGER of 1–17 content bytes; 17 when the top bit is set). */
export function randomSerial(): Uint8Array {
  for (;;) {
    const bytes = randomBytes(16);
    if (bytes.some((b) => b !== 0)) return unsignedInteger(bytes);
  }
}

export function extension(oid: string, critical: boolean, valueDer: Uint8Array): Uint8Array {
  return critical ? sequence(objectIdentifier(oid), BOOLEAN_TRUE, octetString(valueDer)) : sequence(objectIdentifier(oid), octetString(valueDer));
}

export function basicConstraintsExtension(ca: false | { pathLength: number }): Uint8Array {
  // cA DEFAULT FALSE is omitted in DER, so CA:FALSE is the empty SEQUENCE.
  const value = ca ? sequence(BOOLEAN_TRUE, smallInteger(ca.pathLength)) : sequence();
  return extension(OID.basicConstraints, true, value);
}

export function keyUsageExtension(bits: readonly number[]): Uint8Array {
  return extension(OID.keyUsage, true, namedBits(bits));
}

export function extendedKeyUsageExtension(oids: readonly string[]): Uint8Array {
  return extension(OID.extKeyUsage, false, sequence(...oids.map(objectIdentifier)));
}

/** GeneralName context tags: [2] dNSName, [6] uniformResourceIdentifier (both IA5String, implicit). */
export function subjectAltNameExtension(name: { dns: string } | { uri: string }): Uint8Array {
  const general = 'dns' in name ? asciiString(0x82, name.dns) : asciiString(0x86, name.uri);
  return extension(OID.subjectAltName, false, sequence(general));
}

export function subjectKeyIdentifierExtension(keyIdentifier: Uint8Array): Uint8Array {
  return extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier));
}

export function authorityKeyIdentifierExtension(keyIdentifier: Uint8Array): Uint8Array {
  return extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, keyIdentifier)));
}

/** One single-valued RDN (SET { SEQUENCE { type, value } }). */
export function relativeName(oid: string, valueDer: Uint8Array): Uint8Array {
  return tlv(TAG.set, sequence(objectIdentifier(oid), valueDer));
}

/** A Name of single-valued RDNs with UTF8String values, in the order given. */
export function utf8Name(attributes: ReadonlyArray<readonly [oid: string, value: string]>): Uint8Array {
  return sequence(...attributes.map(([oid, value]) => relativeName(oid, utf8String(value))));
}

export function validity(notBefore: Date, notAfter: Date): Uint8Array {
  return sequence(x509Time(notBefore), x509Time(notAfter));
}

/** Signs a TBSCertificate and returns the Certificate DER (a TBSCertList and its CertificateList have the same shape). */
export async function signCertificate(tbsDer: Uint8Array, signer: CaSigner): Promise<Uint8Array> {
  const signature = await signer.sign(tbsDer);
  return sequence(tbsDer, signatureAlgorithm(signer.keyType), bitString(signature));
}

const DAY_MS = 86_400_000;

/** notBefore = now (whole seconds, no back-dating, like the reference), notAfter = notBefore + days. */
export function validityPeriod(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  const start = Math.floor(now.getTime() / 1000) * 1000;
  return { notBefore: new Date(start), notAfter: new Date(start + days * DAY_MS) };
}
