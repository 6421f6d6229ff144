// F4: the CAPF certificate. Like CUCM's, ONE certificate is both the listener's TLS server certificate and the issuer
// of LSCs, so it carries the CA profile CUCM 14SU2+ phones insist on (docs/protocol.md §1).
import { createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { ValidationError } from '../errors.ts';
import type { CaSigner } from '../ports/index.ts';
import { derToPem } from './certificate.ts';
import { sequence, tlv } from './der.ts';
import { createSoftwareSigner } from './software-signer.ts';
import { subjectKeyIdentifier } from './spki.ts';
import {
  basicConstraintsExtension,
  CAPF_EXTENDED_KEY_USAGES,
  extendedKeyUsageExtension,
  KEY_USAGE,
  keyUsageExtension,
  OID,
  randomSerial,
  signatureAlgorithm,
  signCertificate,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
  utf8Name,
  validity,
  validityPeriod,
  VERSION_3,
} from './x509-encoding.ts';

export const CAPF_NAME_PREFIX = 'CAPF-';
export const CAPF_CA_VALIDITY_DAYS = { min: 1, max: 3650, default: 1825 } as const;
/** Phones verify the CAPF TLS certificate only with RSA keys of at most 2048 bits. */
export const CAPF_CA_RSA_BITS = { min: 1024, max: 2048, default: 2048 } as const;
export type CapfCaCurve = 'P-256' | 'P-384';

export interface CapfCaProfile {
  /** Default `CAPF-` + 8 random hex digits. Also the SAN dNSName, so it must be a host-name-like label. */
  commonName?: string;
  organization?: string;
  organizationalUnit?: string;
  /** Default 1825 (five years), at most 3650. */
  validityDays?: number;
  now?: Date;
}

export interface CapfCaOptions extends CapfCaProfile {
  keyType?: 'rsa' | 'ec';
  rsaBits?: number;
  curve?: CapfCaCurve;
}

export interface CapfCaMaterial {
  certificatePem: string;
  /** PKCS#8 PEM. Secret: keep it in its custody (Secrets Manager, a 0600 file), never log it. */
  privateKeyPem: string;
  certificateDer: Uint8Array;
}

/** F6: a CN starting with `CAPF-` (any case) names a CAPF certificate; uploaded CAs with such a name are refused. */
export function isReservedCapfName(commonName: string): boolean {
  return commonName.trim().toUpperCase().startsWith(CAPF_NAME_PREFIX);
}

const COMMON_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/;
const ORGANIZATION = /^[^\p{Cc}]{1,64}$/u; // any text without control characters, as UTF8String

function invalid(message: string, code = 'INVALID_CA_OPTIONS'): ValidationError {
  return new ValidationError(message, code);
}

/** Checks the public key a CAPF certificate may carry: RSA 1024–2048 bits, or EC P-256/P-384. */
function checkCaKey(publicKey: KeyObject, signer: CaSigner): void {
  const type = publicKey.asymmetricKeyType;
  if (type !== signer.keyType) throw invalid(`CAPF public key is ${type ?? 'unknown'} but the signer signs with ${signer.keyType}`);
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < CAPF_CA_RSA_BITS.min || bits > CAPF_CA_RSA_BITS.max) {
      throw invalid(`CAPF RSA key must have ${CAPF_CA_RSA_BITS.min}–${CAPF_CA_RSA_BITS.max} bits (phones verify the CAPF TLS certificate with at most 2048), not ${bits}`);
    }
  } else if (details.namedCurve !== 'prime256v1' && details.namedCurve !== 'secp384r1') {
    throw invalid(`CAPF EC key must be on P-256 or P-384, not ${details.namedCurve ?? 'an unnamed curve'}`);
  }
}

interface ResolvedProfile {
  commonName: string;
  name: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

/** Checks the profile options and fills in the defaults (before any key is generated). */
function resolveProfile(profile: CapfCaProfile): ResolvedProfile {
  const commonName = profile.commonName ?? `${CAPF_NAME_PREFIX}${randomBytes(4).toString('hex')}`;
  if (!COMMON_NAME.test(commonName)) {
    throw invalid('CAPF common name must be 1–64 letters, digits, dots, hyphens or underscores, starting and ending with a letter or digit (it is also the DNS name)');
  }
  const attributes: Array<readonly [string, string]> = [[OID.commonName, commonName]];
  for (const [oid, what, value] of [[OID.organization, 'organization', profile.organization], [OID.organizationalUnit, 'organizational unit', profile.organizationalUnit]] as const) {
    if (value === undefined) continue;
    if (!ORGANIZATION.test(value)) throw invalid(`CAPF ${what} must be 1–64 characters without control characters`);
    attributes.push([oid, value]);
  }
  const days = profile.validityDays ?? CAPF_CA_VALIDITY_DAYS.default;
  if (!Number.isInteger(days) || days < CAPF_CA_VALIDITY_DAYS.min || days > CAPF_CA_VALIDITY_DAYS.max) {
    throw invalid(`CAPF certificate validity must be a whole number of days from ${CAPF_CA_VALIDITY_DAYS.min} to ${CAPF_CA_VALIDITY_DAYS.max}, not ${days}`, 'INVALID_VALIDITY');
  }
  const now = profile.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw invalid('CAPF certificate start time is not a valid date');
  return { commonName, name: utf8Name(attributes), ...validityPeriod(now, days) };
}

function parseSpki(publicKeyDer: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  } catch (err) {
    throw invalid(`CAPF public key does not parse: ${(err as Error).message}`);
  }
}

async function buildCertificate(signer: CaSigner, publicKeyDer: Uint8Array, profile: ResolvedProfile): Promise<Uint8Array> {
  checkCaKey(parseSpki(publicKeyDer), signer);
  const usages: number[] = [KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign];
  if (signer.keyType === 'rsa') usages.push(KEY_USAGE.keyEncipherment);
  const tbs = sequence(
    VERSION_3,
    randomSerial(),
    signatureAlgorithm(signer.keyType),
    profile.name,
    validity(profile.notBefore, profile.notAfter),
    profile.name,
    publicKeyDer,
    tlv(
      0xa3,
      sequence(
        basicConstraintsExtension({ pathLength: 0 }),
        keyUsageExtension(usages),
        extendedKeyUsageExtension(CAPF_EXTENDED_KEY_USAGES),
        subjectKeyIdentifierExtension(subjectKeyIdentifier(publicKeyDer)),
        subjectAltNameExtension({ dns: profile.commonName }),
      ),
    ),
  );
  return signCertificate(tbs, signer);
}

/**
 * Builds and self-signs the CAPF certificate for a key held by `signer` (a software key, or a KMS key whose public
 * half is `publicKeyDer`). Profile: v3, SHA-256, random positive serial, subject = issuer = CN[, O][, OU];
 * BasicConstraints CA:TRUE pathlen:0 critical; KeyUsage digitalSignature, keyCertSign, cRLSign (+ keyEncipherment
 * for RSA) critical; EKU serverAuth, clientAuth, ipsecEndSystem; SKI; SAN DNS:<cn>.
 */
export async function createCapfCaCertificate(signer: CaSigner, publicKeyDer: Uint8Array, profile: CapfCaProfile = {}): Promise<Uint8Array> {
  return buildCertificate(signer, publicKeyDer, resolveProfile(profile));
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Generates a CAPF key pair and its self-signed certificate (install time, or "regenerate"). */
export async function generateCapfCa(options: CapfCaOptions = {}): Promise<CapfCaMaterial> {
  const profile = resolveProfile(options);
  const keyType = options.keyType ?? 'rsa';
  let keys: { publicKey: KeyObject; privateKey: KeyObject };
  if (keyType === 'rsa') {
    const bits = options.rsaBits ?? CAPF_CA_RSA_BITS.default;
    if (!Number.isInteger(bits) || bits < CAPF_CA_RSA_BITS.min || bits > CAPF_CA_RSA_BITS.max || bits % 256 !== 0) {
      throw invalid(`CAPF RSA key size must be a multiple of 256 from ${CAPF_CA_RSA_BITS.min} to ${CAPF_CA_RSA_BITS.max} bits (phones verify the CAPF TLS certificate with at most 2048), not ${bits}`);
    }
    keys = await generateKeyPairAsync('rsa', { modulusLength: bits });
  } else if (keyType === 'ec') {
    const curve = options.curve ?? 'P-256';
    if (curve !== 'P-256' && curve !== 'P-384') throw invalid(`CAPF EC curve must be P-256 or P-384, not ${String(curve)}`);
    keys = await generateKeyPairAsync('ec', { namedCurve: curve });
  } else {
    throw invalid(`CAPF key type must be rsa or ec, not ${String(keyType)}`);
  }
  const publicKeyDer = keys.publicKey.export({ format: 'der', type: 'spki' });
  const certificateDer = await buildCertificate(createSoftwareSigner(keys.privateKey), publicKeyDer, profile);
  return {
    certificatePem: derToPem(certificateDer),
    privateKeyPem: keys.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    certificateDer,
  };
}
