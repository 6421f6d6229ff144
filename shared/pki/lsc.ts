// The LSC (docs/protocol.md §5 with our corrections: issuer = the issuing certificate's SUBJECT, plus SKI/AKI).
// Issuance is the hot path, so everything that does not depend on the phone is encoded once in the constructor and
// build() only writes the serial, subject, validity, SPKI, SAN, SKI and the signature.
import { checkLscValidity } from '../domain/parameters.ts';
import { ConfigError, ValidationError } from '../errors.ts';
import { isValidDeviceName } from '../model.ts';
import type { CaSigner } from '../ports/index.ts';
import { readNameAttributes } from './certificate-parts.ts';
import { objectIdentifier, sequence, tlv, TAG, utf8String } from './der.ts';
import { issuerKeyIdentifier, readSigningIssuer } from './issuer-certificate.ts';
import { inspectPublicKey } from './spki.ts';
import {
  authorityKeyIdentifierExtension,
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
  validity,
  validityPeriod,
  VERSION_3,
} from './x509-encoding.ts';

export interface LscRequest {
  deviceName: string;
  /** The DER SubjectPublicKeyInfo the phone generated. */
  spkiDer: Uint8Array;
  /** Whole days within LSC_VALIDITY_DAYS (shared/domain/parameters.ts). */
  validityDays: number;
  now?: Date;
}

/** Issuer subject attributes the LSC subject repeats after CN, in the issuer's order (like the reference). */
const COPIED_SUBJECT_ATTRIBUTES: ReadonlySet<string> = new Set([OID.organization, OID.organizationalUnit, OID.locality, OID.stateOrProvince, OID.country]);

export class LscBuilder {
  private readonly signer: CaSigner;
  /** The signature AlgorithmIdentifier (TBS signature field). */
  private readonly algorithm: Uint8Array;
  private readonly issuerName: Uint8Array;
  /** The issuer's O, OU, L, ST, C RDNs, encoded exactly as in the issuer's subject. */
  private readonly subjectSuffix: Uint8Array;
  private readonly commonNameType = objectIdentifier(OID.commonName);
  /** BasicConstraints, KeyUsage, EKU: written before SAN and SKI. */
  private readonly leadingExtensions: Uint8Array;
  /** AKI: written after SKI. */
  private readonly trailingExtensions: Uint8Array;
  /** Issue 10: no LSC outlives the CA that signs it; its notAfter is capped at this. */
  readonly issuerNotAfter: Date;

  constructor(issuerCertificateDer: Uint8Array, signer: CaSigner) {
    const issuer = readSigningIssuer(issuerCertificateDer, signer, 'LSC');
    this.signer = signer;
    this.algorithm = signatureAlgorithm(signer.keyType);
    this.issuerName = Uint8Array.from(issuer.subject);
    this.subjectSuffix = Buffer.concat(
      readNameAttributes(issuer.subject)
        .filter((attribute) => COPIED_SUBJECT_ATTRIBUTES.has(attribute.oid))
        .map((attribute) => tlv(TAG.set, attribute.raw)),
    );
    this.leadingExtensions = Buffer.concat([
      basicConstraintsExtension(false),
      // digitalSignature + keyEncipherment even for EC keys: that is what phones and the reference expect.
      keyUsageExtension([KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment]),
      extendedKeyUsageExtension(CAPF_EXTENDED_KEY_USAGES),
    ]);
    this.trailingExtensions = authorityKeyIdentifierExtension(issuerKeyIdentifier(issuer));
    this.issuerNotAfter = issuer.notAfter;
  }

  /** Builds and signs one LSC; returns its DER. Throws ValidationError for a bad name, validity or public key. */
  async build(input: LscRequest): Promise<Uint8Array> {
    const { deviceName, spkiDer, validityDays } = input;
    if (typeof deviceName !== 'string' || !isValidDeviceName(deviceName)) {
      throw new ValidationError(`device name ${JSON.stringify(String(deviceName).slice(0, 80))} is not a valid device name`, 'INVALID_DEVICE_NAME');
    }
    checkLscValidity(validityDays);
    const now = input.now ?? new Date();
    if (Number.isNaN(now.getTime())) throw new ValidationError('LSC start time is not a valid date', 'INVALID_VALIDITY');
    const key = inspectPublicKey(spkiDer);
    const { notBefore, notAfter: wanted } = validityPeriod(now, validityDays);
    // An LSC never outlives its CA (issue 10): past the CA's notAfter no chain to it verifies.
    const notAfter = wanted > this.issuerNotAfter ? this.issuerNotAfter : wanted;
    if (notAfter <= notBefore) {
      throw new ConfigError(`the CA that signs LSCs expired at ${this.issuerNotAfter.toISOString()}: renew or replace it before issuing`, 'CA_EXPIRED');
    }
    const tbs = sequence(
      VERSION_3,
      randomSerial(),
      this.algorithm,
      this.issuerName,
      validity(notBefore, notAfter),
      sequence(tlv(TAG.set, sequence(this.commonNameType, utf8String(deviceName))), this.subjectSuffix),
      spkiDer,
      tlv(
        0xa3,
        sequence(this.leadingExtensions, subjectAltNameExtension({ uri: deviceName }), subjectKeyIdentifierExtension(key.keyIdentifier), this.trailingExtensions),
      ),
    );
    return signCertificate(tbs, this.signer);
  }
}
