// Reads the fields of a DER certificate that we need byte-for-byte (names, serial, SPKI) or that node:crypto does not
// expose in Node 20 (dates as Date, key identifiers, path length). Extension values are decoded with
// @peculiar/asn1-x509; signatures are never checked here (chain.ts uses node:crypto for that).
import { AsnConvert } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, BasicConstraints, SubjectAlternativeName } from '@peculiar/asn1-x509';
import { ValidationError } from '../errors.ts';
import { childrenOf, contentOf, rawOf, readObjectIdentifier, readWhole, readX509Time, TAG, type DerElement } from './der.ts';
import { OID } from './x509-encoding.ts';

/** Far above any phone or CA certificate (~1–2 KB); bounds everything we parse. */
export const MAX_CERTIFICATE_BYTES = 16_384;

export interface CertificateExtension {
  critical: boolean;
  /** The extnValue OCTET STRING contents (the extension's own DER). */
  value: Uint8Array;
}

export interface CertificateParts {
  tbs: Uint8Array;
  /** INTEGER contents, two's complement as encoded. */
  serial: Uint8Array;
  issuer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subject: Uint8Array;
  spki: Uint8Array;
  /** Keyed by dotted OID. */
  extensions: Map<string, CertificateExtension>;
}

export interface NameAttribute {
  oid: string;
  value: string;
  /** The AttributeTypeAndValue DER, to copy an attribute without re-encoding it. */
  raw: Uint8Array;
}

function invalid(message: string): ValidationError {
  return new ValidationError(message, 'INVALID_CERTIFICATE');
}

export function readCertificateParts(der: Uint8Array): CertificateParts {
  if (der.length > MAX_CERTIFICATE_BYTES) throw invalid(`certificate of ${der.length} bytes exceeds the ${MAX_CERTIFICATE_BYTES}-byte bound`);
  try {
    const [tbsElement, algorithm, signature, ...extra] = childrenOf(der, readWhole(der, TAG.sequence));
    if (!tbsElement || tbsElement.tag !== TAG.sequence || algorithm?.tag !== TAG.sequence || signature?.tag !== TAG.bitString || extra.length) {
      throw invalid('not an X.509 certificate (expected SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue })');
    }
    const fields = childrenOf(der, tbsElement);
    let at = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version, absent for v1
    const take = (tag: number, what: string): DerElement => {
      const field = fields[at++];
      if (field?.tag !== tag) throw invalid(`certificate ${what} is missing or has the wrong type`);
      return field;
    };
    const serial = take(TAG.integer, 'serialNumber');
    take(TAG.sequence, 'signature algorithm');
    const issuer = take(TAG.sequence, 'issuer');
    const validity = childrenOf(der, take(TAG.sequence, 'validity'));
    const subject = take(TAG.sequence, 'subject');
    const spki = take(TAG.sequence, 'subjectPublicKeyInfo');
    if (validity.length !== 2) throw invalid('certificate validity must hold exactly two times');
    const extensions = new Map<string, CertificateExtension>();
    for (const field of fields.slice(at)) {
      if (field.tag !== 0xa3) continue; // issuer/subject unique ids
      const [list] = childrenOf(der, field);
      for (const ext of list ? childrenOf(der, list) : []) {
        const [oid, second, third] = childrenOf(der, ext);
        const critical = second?.tag === TAG.boolean && der[second.contentStart] !== 0;
        const value = second?.tag === TAG.octetString ? second : third;
        if (!oid || value?.tag !== TAG.octetString) throw invalid('malformed certificate extension');
        const id = readObjectIdentifier(der, oid);
        if (extensions.has(id)) throw invalid(`certificate repeats extension ${id}`);
        extensions.set(id, { critical, value: contentOf(der, value) });
      }
    }
    return {
      tbs: rawOf(der, tbsElement),
      serial: contentOf(der, serial),
      issuer: rawOf(der, issuer),
      notBefore: readX509Time(der, validity[0]!),
      notAfter: readX509Time(der, validity[1]!),
      subject: rawOf(der, subject),
      spki: rawOf(der, spki),
      extensions,
    };
  } catch (err) {
    if (err instanceof ValidationError && err.code === 'INVALID_CERTIFICATE') throw err;
    throw invalid(`not a DER X.509 certificate: ${(err as Error).message}`);
  }
}

/** Decodes the string types a DirectoryString (and C, serialNumber...) can use. */
function decodeString(bytes: Uint8Array, element: DerElement): string {
  const content = Buffer.from(contentOf(bytes, element));
  switch (element.tag) {
    case TAG.utf8String:
      return content.toString('utf8');
    case TAG.printableString:
    case TAG.ia5String:
    case 0x14: // TeletexString: treated as Latin-1, as OpenSSL does
      return content.toString('latin1');
    case 0x1e: // BMPString: UTF-16BE
      return content.swap16().toString('utf16le');
    default:
      return content.toString('hex');
  }
}

/** The attributes of a DER Name in order (multi-valued RDNs flattened). */
export function readNameAttributes(nameDer: Uint8Array): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const rdn of childrenOf(nameDer, readWhole(nameDer, TAG.sequence))) {
    if (rdn.tag !== TAG.set) throw invalid('a Name must be a SEQUENCE of SETs');
    for (const atv of childrenOf(nameDer, rdn)) {
      const [oid, value] = childrenOf(nameDer, atv);
      if (atv.tag !== TAG.sequence || !oid || !value) throw invalid('malformed AttributeTypeAndValue');
      if (value.tag === 0x1e && (value.end - value.contentStart) % 2) throw invalid('BMPString of odd length');
      out.push({ oid: readObjectIdentifier(nameDer, oid), value: decodeString(nameDer, value), raw: rawOf(nameDer, atv) });
    }
  }
  return out;
}

// Short names as OpenSSL prints them; other attribute types print as their dotted OID.
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** RFC 4514 escaping: special characters with a backslash, control characters as \XX (as node:crypto prints them). */
function escapeValue(value: string): string {
  return value
    .replace(/[,+"\\<>;]/g, (c) => `\\${c}`)
    .replace(/\p{Cc}/gu, (c) => (c.charCodeAt(0) < 0x80 ? `\\${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : c))
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

/** A Name on one line in DER order, e.g. `CN=SEP001122334455, O=CAPF, OU=CAPF` (multi-valued RDNs flattened). */
export function formatName(nameDer: Uint8Array): string {
  return readNameAttributes(nameDer)
    .map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${escapeValue(a.value)}`)
    .join(', ');
}

export function commonNames(nameDer: Uint8Array): string[] {
  return readNameAttributes(nameDer)
    .filter((a) => a.oid === OID.commonName)
    .map((a) => a.value);
}

/** BasicConstraints, or undefined when the extension is absent. */
export function readBasicConstraints(parts: CertificateParts): { ca: boolean; pathLength?: number } | undefined {
  const ext = parts.extensions.get(OID.basicConstraints);
  if (!ext) return undefined;
  const bc = parse(ext.value, BasicConstraints, 'BasicConstraints');
  return bc.pathLenConstraint === undefined ? { ca: bc.cA } : { ca: bc.cA, pathLength: bc.pathLenConstraint };
}

/** The keyIdentifier of the SubjectKeyIdentifier extension, when present. */
export function readSubjectKeyIdentifier(parts: CertificateParts): Uint8Array | undefined {
  const ext = parts.extensions.get(OID.subjectKeyIdentifier);
  if (!ext) return undefined;
  const element = readWhole(ext.value, TAG.octetString);
  return contentOf(ext.value, element);
}

/** The keyIdentifier of the AuthorityKeyIdentifier extension, when present. */
export function readAuthorityKeyIdentifier(parts: CertificateParts): Uint8Array | undefined {
  const ext = parts.extensions.get(OID.authorityKeyIdentifier);
  if (!ext) return undefined;
  const aki = parse(ext.value, AuthorityKeyIdentifier, 'AuthorityKeyIdentifier');
  return aki.keyIdentifier ? new Uint8Array(aki.keyIdentifier.buffer) : undefined;
}

/** DNS and URI entries of the SubjectAltName extension. */
export function readAltNames(parts: CertificateParts): { dns: string[]; uri: string[] } {
  const ext = parts.extensions.get(OID.subjectAltName);
  const out = { dns: [] as string[], uri: [] as string[] };
  if (!ext) return out;
  for (const name of parse(ext.value, SubjectAlternativeName, 'SubjectAltName')) {
    if (name.dNSName !== undefined) out.dns.push(name.dNSName);
    if (name.uniformResourceIdentifier !== undefined) out.uri.push(name.uniformResourceIdentifier);
  }
  return out;
}

function parse<T>(value: Uint8Array, type: new () => T, what: string): T {
  try {
    return AsnConvert.parse(value, type);
  } catch (err) {
    throw invalid(`malformed ${what} extension: ${(err as Error).message}`);
  }
}
