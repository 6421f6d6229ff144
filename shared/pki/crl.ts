// The CAPF CA's certificate revocation list: an X.509 v2 CRL (RFC 5280 §5), pure (no I/O). The signature comes from a
// CaSigner, so the same code signs with the software key and with KMS. docs/expiry-monitoring.md describes the profile.
import { ValidationError } from '../errors.ts';
import type { CaSigner, RevocationReason } from '../ports/index.ts';
import { sequence, smallInteger, tlv, unsignedInteger, x509Time } from './der.ts';
import { allowsKeyUsage, issuerKeyIdentifier, issuerProblem, readSigningIssuer } from './issuer-certificate.ts';
import { authorityKeyIdentifierExtension, extension, OID, signatureAlgorithm, signCertificate } from './x509-encoding.ts';

/**
 * CRLReason codes (RFC 5280 §5.3.1). `removeFromCRL` (8) is left out: it belongs to delta CRLs only, and we publish
 * full CRLs. `unspecified` is accepted but, as the RFC asks, written as no reasonCode extension at all.
 */
export const CRL_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const satisfies Record<RevocationReason, number>;
export type CrlReason = keyof typeof CRL_REASONS;

export interface RevokedEntry {
  /** The certificate's serial: hex digits (any case, leading zeros allowed), at most 20 octets, not zero. */
  serialHex: string;
  revokedAt: Date;
  reason?: CrlReason;
}

export interface CrlContent {
  /** Every certificate the CRL lists, each serial once. Written in ascending serial order whatever the input order. */
  entries: readonly RevokedEntry[];
  /** Monotonically increasing per CA (RFC 5280 §5.2.3): 0 up to 20 octets. */
  crlNumber: bigint | number;
  thisUpdate: Date;
  /** Strictly after thisUpdate. Relying parties treat the CRL as stale after it. */
  nextUpdate: Date;
}

/** Each entry is about 40–60 bytes, so this keeps a CRL under 16 MiB (the DER writer's limit) with room to spare. */
export const MAX_CRL_ENTRIES = 250_000;
/** RFC 5280 §4.1.2.2 and §5.2.3: serial numbers and CRL numbers are at most 20 octets. */
const MAX_INTEGER_OCTETS = 20;
const MAX_CRL_NUMBER = (1n << BigInt(MAX_INTEGER_OCTETS * 8 - 1)) - 1n;
const SERIAL_HEX = /^[0-9a-fA-F]{1,64}$/;
const REASON_BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(CRL_REASONS));

function invalid(message: string, code = 'INVALID_CRL'): ValidationError {
  return new ValidationError(message, code);
}

/** The magnitude bytes of a serial given in hex, without leading zeros; ValidationError when it is not a usable serial. */
function serialMagnitude(serialHex: string): Buffer {
  if (typeof serialHex !== 'string' || !SERIAL_HEX.test(serialHex)) {
    throw invalid(`CRL entry serial ${JSON.stringify(String(serialHex).slice(0, 70))} is not a hex serial number`, 'INVALID_SERIAL');
  }
  const digits = serialHex.toLowerCase().replace(/^0+/, '');
  if (digits === '') throw invalid('CRL entry serial 0 is not a valid certificate serial (serials are positive)', 'INVALID_SERIAL');
  if (digits.length > MAX_INTEGER_OCTETS * 2) throw invalid(`CRL entry serial ${digits.slice(0, 48)}… is longer than 20 octets`, 'INVALID_SERIAL');
  return Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex');
}

function checkDate(date: Date, what: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw invalid(`${what} is not a valid date`);
}

/** Whole seconds: what the DER times keep, so comparisons match what relying parties read. */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function crlNumberInteger(value: bigint | number): Uint8Array {
  const n = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (n < 0n || n > MAX_CRL_NUMBER) throw invalid(`CRL number must be a whole number from 0 to 2^159-1, not ${String(value)}`, 'INVALID_CRL_NUMBER');
  const hex = n.toString(16);
  return unsignedInteger(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
}

function reasonExtensions(reason: CrlReason | undefined): Uint8Array | undefined {
  if (reason === undefined || reason === 'unspecified') return undefined;
  const code = REASON_BY_NAME.get(reason);
  if (code === undefined) throw invalid(`CRL reason ${JSON.stringify(String(reason).slice(0, 40))} is not one of ${Object.keys(CRL_REASONS).join(', ')}`, 'INVALID_CRL_REASON');
  return sequence(extension(OID.cRLReason, false, tlv(0x0a, Uint8Array.of(code)))); // ENUMERATED
}

interface PreparedEntry {
  magnitude: Buffer;
  revokedAt: Date;
  reason: Uint8Array | undefined;
}

function compareMagnitudes(a: PreparedEntry, b: PreparedEntry): number {
  return a.magnitude.length - b.magnitude.length || Buffer.compare(a.magnitude, b.magnitude);
}

/** Checks every entry and returns them in ascending serial order; ValidationError on the first bad or repeated one. */
function prepareEntries(entries: readonly RevokedEntry[], thisUpdate: Date): PreparedEntry[] {
  if (!Array.isArray(entries)) throw invalid('CRL entries must be a list');
  if (entries.length > MAX_CRL_ENTRIES) throw invalid(`a CRL holds at most ${MAX_CRL_ENTRIES} entries, not ${entries.length}`, 'CRL_TOO_LARGE');
  const prepared = entries.map((entry): PreparedEntry => {
    const magnitude = serialMagnitude(entry.serialHex);
    checkDate(entry.revokedAt, `revocation date of serial ${entry.serialHex}`);
    if (seconds(entry.revokedAt) > seconds(thisUpdate)) {
      throw invalid(`serial ${entry.serialHex} is revoked at ${entry.revokedAt.toISOString()}, after the CRL's thisUpdate ${thisUpdate.toISOString()}`);
    }
    return { magnitude, revokedAt: entry.revokedAt, reason: reasonExtensions(entry.reason) };
  });
  prepared.sort(compareMagnitudes);
  for (let i = 1; i < prepared.length; i++) {
    if (compareMagnitudes(prepared[i - 1]!, prepared[i]!) === 0) {
      throw invalid(`serial ${prepared[i]!.magnitude.toString('hex')} is listed twice; a CRL lists each certificate once`, 'DUPLICATE_SERIAL');
    }
  }
  return prepared;
}

const VERSION_2 = smallInteger(1); // TBSCertList.version is a bare INTEGER, not [0] like a certificate's

/**
 * Builds CRLs for one CA certificate. The issuer is read and checked once: it must be a CA whose key has the signer's
 * type and, when it has a KeyUsage extension, the cRLSign bit (the CAPF certificate has it). ConfigError CRL_ISSUER
 * otherwise.
 */
export class CrlBuilder {
  private readonly signer: CaSigner;
  private readonly algorithm: Uint8Array;
  private readonly issuerName: Uint8Array;
  private readonly authorityKeyIdentifier: Uint8Array;

  constructor(issuerCertificateDer: Uint8Array, signer: CaSigner) {
    const issuer = readSigningIssuer(issuerCertificateDer, signer, 'CRL');
    if (!allowsKeyUsage(issuer, 'cRLSign')) throw issuerProblem('CRL', 'does not allow CRL signing (KeyUsage lacks cRLSign)');
    this.signer = signer;
    this.algorithm = signatureAlgorithm(signer.keyType);
    this.issuerName = Uint8Array.from(issuer.subject);
    this.authorityKeyIdentifier = authorityKeyIdentifierExtension(issuerKeyIdentifier(issuer));
  }

  /** Builds and signs one CRL; returns its DER (PEM label `X509 CRL`). ValidationError for bad content. */
  async build(content: CrlContent): Promise<Uint8Array> {
    checkDate(content.thisUpdate, 'CRL thisUpdate');
    checkDate(content.nextUpdate, 'CRL nextUpdate');
    if (seconds(content.nextUpdate) <= seconds(content.thisUpdate)) {
      throw invalid(`CRL nextUpdate ${content.nextUpdate.toISOString()} must be after thisUpdate ${content.thisUpdate.toISOString()}`);
    }
    const crlNumber = extension(OID.cRLNumber, false, crlNumberInteger(content.crlNumber));
    const entries = prepareEntries(content.entries, content.thisUpdate).map(({ magnitude, revokedAt, reason }) =>
      reason ? sequence(unsignedInteger(magnitude), x509Time(revokedAt), reason) : sequence(unsignedInteger(magnitude), x509Time(revokedAt)),
    );
    const tbs = sequence(
      VERSION_2,
      this.algorithm,
      this.issuerName,
      x509Time(content.thisUpdate),
      x509Time(content.nextUpdate),
      // An empty list is left out, not written as an empty SEQUENCE. Buffer.concat, not a spread: a spread of 250,000
      // arguments would overflow the call stack.
      ...(entries.length ? [sequence(Buffer.concat(entries))] : []),
      tlv(0xa0, sequence(this.authorityKeyIdentifier, crlNumber)),
    );
    return signCertificate(tbs, this.signer);
  }
}
