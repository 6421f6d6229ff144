// Certificate authentication (F8): does a phone's LSC or MIC chain to CAPF-trust, and does it name the device?
// Signatures and name matching are OpenSSL's (node:crypto X509Certificate.checkIssued / verify); we add path
// building, CA and path-length checks, validity, and the bound on path length.
import { X509Certificate } from 'node:crypto';
import { AuthenticationError, ConfigError } from '../errors.ts';
import { peerText } from '../peer-text.ts';
import { commonNames, readAltNames, readBasicConstraints, readCertificateParts, type CertificateParts } from './certificate-parts.ts';
import { MAX_CHAIN_CERTIFICATES } from './certificate.ts';

/** Leaf, at most two intermediates, anchor. */
export const MAX_PATH_CERTIFICATES = 4;
/** CAPF-trust holds tens of certificates; far more means a broken store. */
export const MAX_ANCHORS = 256;

export interface VerifyOptions {
  /** Untrusted CA certificates that may sit between the certificate and an anchor (sent by the peer). */
  intermediatesDer?: Uint8Array[];
  now?: Date;
  /** Default true: every certificate of the path must be valid at `now`. Pass false to accept expired MICs. */
  checkValidity?: boolean;
}

export interface VerifiedPath {
  /** The trust anchor the path ends at. */
  anchor: Uint8Array;
  /** Leaf first, anchor last. */
  path: Uint8Array[];
}

interface Candidate {
  der: Uint8Array;
  x509: X509Certificate;
  parts: CertificateParts;
  anchor: boolean;
}

function untrusted(message: string, code = 'UNTRUSTED_CERTIFICATE'): AuthenticationError {
  return new AuthenticationError(message, code);
}

function parse(der: Uint8Array, anchor: boolean): Candidate {
  return { der, x509: new X509Certificate(der), parts: readCertificateParts(der), anchor };
}

// CAPF-trust is the same set of (never mutated) buffers for every phone authentication: parse each anchor once.
const parsedAnchors = new WeakMap<Uint8Array, Candidate>();

function parseAnchor(der: Uint8Array): Candidate {
  let candidate = parsedAnchors.get(der);
  if (!candidate) {
    candidate = parse(der, true);
    parsedAnchors.set(der, candidate);
  }
  return candidate;
}

/** A name as Node prints it, on one quoted line, escaped and capped (the peer chose it). */
function oneLine(multiline: string): string {
  return `"${peerText(multiline.split('\n').join(', '))}"`;
}

function validityProblem(parts: CertificateParts, now: Date): string | undefined {
  if (now < parts.notBefore) return `is not valid before ${parts.notBefore.toISOString()}`;
  if (now > parts.notAfter) return `expired at ${parts.notAfter.toISOString()}`;
  return undefined;
}

/**
 * Whether `issuer` may issue the certificate below it, `intermediatesBelow` CA certificates away from the leaf.
 * Intermediates need BasicConstraints CA:TRUE; an anchor without the extension (a v1 root) is accepted as a CA.
 */
function caProblem(issuer: Candidate, intermediatesBelow: number): string | undefined {
  const constraints = readBasicConstraints(issuer.parts);
  if (constraints ? !constraints.ca : !issuer.anchor) return 'is not a CA certificate';
  if (constraints?.pathLength !== undefined && intermediatesBelow > constraints.pathLength) return `allows a path length of ${constraints.pathLength} only`;
  return undefined;
}

/**
 * Finds a path of at most four certificates from `certDer` to one of `anchorsDer`: at each step the issuer DN must
 * match (and AKI, when present) and the signature must verify. Returns the path; throws AuthenticationError
 * (code BAD_CERTIFICATE for an unparseable certificate, UNTRUSTED_CERTIFICATE otherwise) with the closest reason.
 */
export function verifyIssuedBy(certDer: Uint8Array, anchorsDer: Uint8Array[], options: VerifyOptions = {}): VerifiedPath {
  const intermediatesDer = options.intermediatesDer ?? [];
  const now = options.now ?? new Date();
  const checkValidity = options.checkValidity ?? true;
  if (intermediatesDer.length > MAX_CHAIN_CERTIFICATES) throw untrusted(`more than ${MAX_CHAIN_CERTIFICATES} intermediate certificates`);
  if (anchorsDer.length > MAX_ANCHORS) throw new ConfigError(`more than ${MAX_ANCHORS} trust anchors`, 'TRUST_STORE');

  let leaf: Candidate;
  const intermediates: Candidate[] = [];
  try {
    leaf = parse(certDer, false);
    for (const der of intermediatesDer) intermediates.push(parse(der, false));
  } catch (err) {
    throw untrusted(`certificate does not parse: ${(err as Error).message}`, 'BAD_CERTIFICATE');
  }
  const anchors = anchorsDer.map((der, index) => {
    try {
      return parseAnchor(der);
    } catch (err) {
      throw new ConfigError(`trust anchor ${index} does not parse: ${(err as Error).message}`, 'TRUST_STORE');
    }
  });
  if (checkValidity) {
    const problem = validityProblem(leaf.parts, now);
    if (problem) throw untrusted(`certificate ${problem}`, 'CERTIFICATE_NOT_VALID');
  }

  // Depth-first over anchors (preferred) then intermediates; `reason` keeps the latest failure for the error.
  const candidates = [...anchors, ...intermediates];
  let reason = '';
  const extend = (path: Candidate[]): Candidate[] | undefined => {
    const current = path[path.length - 1]!;
    let named = false;
    for (const issuer of candidates) {
      if (path.includes(issuer) || !current.x509.checkIssued(issuer.x509)) continue;
      named = true;
      const name = oneLine(issuer.x509.subject);
      const problem = caProblem(issuer, path.length - 1) ?? (checkValidity ? validityProblem(issuer.parts, now) : undefined);
      if (problem) {
        reason = `issuer ${name} ${problem}`;
        continue;
      }
      if (!current.x509.verify(issuer.x509.publicKey)) {
        reason = `signature by ${name} does not verify`;
        continue;
      }
      const extended = [...path, issuer];
      if (issuer.anchor) return extended;
      if (extended.length < MAX_PATH_CERTIFICATES) {
        const found = extend(extended);
        if (found) return found;
      } else {
        reason = `no path of at most ${MAX_PATH_CERTIFICATES} certificates reaches a trust anchor`;
      }
    }
    if (!named) reason = `no trusted issuer named ${oneLine(current.x509.issuer)}`;
    return undefined;
  };
  const found = extend([leaf]);
  if (!found) throw untrusted(`certificate is not trusted: ${reason}`);
  return { anchor: found[found.length - 1]!.der, path: found.map((c) => c.der) };
}

const HARDWARE_PHONE_NAME = /^SEP[0-9A-F]{12}$/;

/**
 * True when the certificate names the device: a subject CN or a SAN URI/DNS entry equal to the device name, or, for
 * a hardware phone (SEP + MAC), a MIC-style CN `<model>-SEP<MAC>` (e.g. `CP-8865-SEP001122334455`). F8: a
 * certificate of another device never authenticates. Throws ValidationError when the certificate does not parse.
 */
export function certificateNamesDevice(certDer: Uint8Array, deviceName: string): boolean {
  const parts = readCertificateParts(certDer);
  const hardware = HARDWARE_PHONE_NAME.test(deviceName);
  const cnMatches = commonNames(parts.subject).some((cn) => cn === deviceName || (hardware && cn.endsWith(`-${deviceName}`)));
  if (cnMatches) return true;
  const { dns, uri } = readAltNames(parts);
  return dns.includes(deviceName) || uri.includes(deviceName);
}
