// F6: what an administrator uploads to a trust store, classified into the admin guide's four scenarios ("Upload
// certificate" table: root = HTTPS certificate; HTTPS certificate issued by the root; intermediate CA issued by the
// root; root and HTTPS certificate), with the refusals: an incomplete chain names the certificate that is missing
// (subject and key id), a CA named `CAPF-...` is reserved for CAPF certificates. Pure: node:crypto only.
import { X509Certificate } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import { isReservedCapfName } from './capf-ca.ts';
import { derToPem, describeCertificate, splitPemChain } from './certificate.ts';
import { readAuthorityKeyIdentifier, readCertificateParts, readSubjectKeyIdentifier } from './certificate-parts.ts';
import { subjectKeyIdentifier } from './spki.ts';

export type UploadScenario = 'root-is-https' | 'root' | 'intermediate' | 'root-and-https';

/** The guide's numbering and what each scenario means for the administrator. */
export const UPLOAD_SCENARIOS: Record<UploadScenario, { number: 1 | 2 | 3 | 4; meaning: string }> = {
  'root-is-https': { number: 1, meaning: 'the CA root and the HTTPS certificate are the same certificate: it is all that is needed' },
  root: { number: 2, meaning: 'a CA root: HTTPS certificates it issues are trusted through it, so the root is all that is needed' },
  intermediate: { number: 3, meaning: 'an intermediate CA issued by the root: the root and the intermediate are needed' },
  'root-and-https': { number: 4, meaning: 'the CA root and the HTTPS certificate it issued: both are needed' },
};

export type UploadRole = 'root' | 'intermediate' | 'https';

export interface UploadCertificate {
  der: Uint8Array;
  pem: string;
  /** SHA-256 of the DER, lowercase hex: the trust entry's id. */
  fingerprint: string;
  subject: string;
  issuer: string;
  commonName?: string;
  /** SubjectKeyIdentifier, or the SHA-1 of the key when absent; lowercase hex. */
  keyId: string;
  notBefore: string;
  notAfter: string;
  role: UploadRole;
}

export interface UploadChain {
  scenario: UploadScenario;
  /** Root first (when the file holds it), then intermediates, then HTTPS certificates. */
  certificates: UploadCertificate[];
  /** True when the root is already in the store and the file holds only what hangs below it. */
  rootAlreadyTrusted: boolean;
}

export interface ClassifiedUpload {
  chains: UploadChain[];
  /** Every certificate of the file, each once, in file order. */
  certificates: UploadCertificate[];
  /** Facts worth saying that do not refuse the upload (e.g. an expired root still needed by old MICs). */
  warnings: string[];
}

/** An upload refused; `missing` names the certificate an incomplete chain needs. */
export class TrustUploadError extends ValidationError {
  constructor(
    message: string,
    code: string,
    readonly missing?: { subject: string; keyId?: string },
  ) {
    super(message, code);
  }
}

interface Node {
  cert: UploadCertificate;
  x509: X509Certificate;
  isCa: boolean;
  hasBasicConstraints: boolean;
  selfIssued: boolean;
  authorityKeyId?: string;
  parent?: Node;
}

const BASIC_CONSTRAINTS = '2.5.29.19';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The facts a trust entry keeps about a certificate (its role taken as root until classified). */
export function describeTrustCertificate(der: Uint8Array): UploadCertificate {
  return readNode(der).cert;
}

function readNode(der: Uint8Array): Node {
  const description = describeCertificate(der);
  const parts = readCertificateParts(der);
  const ski = readSubjectKeyIdentifier(parts) ?? subjectKeyIdentifier(parts.spki);
  const aki = readAuthorityKeyIdentifier(parts);
  const cert: UploadCertificate = {
    der,
    pem: derToPem(der),
    fingerprint: description.sha256Fingerprint,
    subject: description.subject,
    issuer: description.issuer,
    keyId: hex(ski),
    notBefore: description.notBefore,
    notAfter: description.notAfter,
    role: 'root',
    ...(description.commonName !== undefined ? { commonName: description.commonName } : {}),
  };
  return { cert, x509: new X509Certificate(der), isCa: description.isCa, hasBasicConstraints: parts.extensions.has(BASIC_CONSTRAINTS), selfIssued: description.selfIssued, ...(aki ? { authorityKeyId: hex(aki) } : {}) };
}

/** Whether `issuer` issued `child`: names chain, the key ids agree when both are known, and the signature verifies. */
function issued(child: Node, issuer: Node): boolean {
  if (!child.x509.checkIssued(issuer.x509)) return false;
  if (child.authorityKeyId !== undefined && child.authorityKeyId !== issuer.cert.keyId) return false;
  return child.x509.verify(issuer.x509.publicKey);
}

const quoted = (name: string) => `"${name}"`;

/**
 * Classifies a PEM upload (one or more certificates) for `storeLabel` (e.g. "CAPF-trust"), given the DER of the
 * certificates that store holds already. Throws TrustUploadError (INCOMPLETE_CHAIN, RESERVED_CAPF_NAME, NOT_A_CA,
 * BAD_SIGNATURE) or ValidationError (INVALID_CERTIFICATE) for a file that is not PEM certificates.
 */
export function classifyTrustUpload(pemText: string, trustedDer: readonly Uint8Array[], storeLabel: string, now = new Date()): ClassifiedUpload {
  const seen = new Set<string>();
  const nodes: Node[] = [];
  for (const der of splitPemChain(pemText)) {
    const node = readNode(der);
    if (seen.has(node.cert.fingerprint)) continue;
    seen.add(node.cert.fingerprint);
    nodes.push(node);
  }
  const trusted = trustedDer.map((der) => readNode(der));
  const warnings: string[] = [];

  for (const node of nodes) {
    const { cert } = node;
    if ((node.isCa || node.selfIssued) && cert.commonName !== undefined && isReservedCapfName(cert.commonName)) {
      throw new TrustUploadError(
        `${quoted(cert.subject)} is refused: a CA whose CN starts with CAPF- is reserved for CAPF certificates (the CAPF certificate and the ones it replaced are trusted already; see capf ca show)`,
        'RESERVED_CAPF_NAME',
      );
    }
    if (node.selfIssued) {
      if (!node.x509.verify(node.x509.publicKey)) throw new TrustUploadError(`${quoted(cert.subject)} is self-issued but its signature does not verify with its own key`, 'BAD_SIGNATURE');
      continue;
    }
    const inFile = nodes.find((other) => other !== node && issued(node, other));
    if (inFile) {
      node.parent = inFile;
      continue;
    }
    if (trusted.some((anchor) => issued(node, anchor))) continue;
    const namedButWrong = nodes.some((other) => other !== node && node.x509.checkIssued(other.x509));
    if (namedButWrong) {
      throw new TrustUploadError(`${quoted(cert.subject)} names an issuer in the file, but that certificate's key did not sign it; upload the issuer that did`, 'BAD_SIGNATURE');
    }
    const keyId = node.authorityKeyId;
    throw new TrustUploadError(
      `incomplete chain: ${quoted(cert.subject)} was issued by ${quoted(cert.issuer)}${keyId ? ` (key id ${keyId})` : ''}, which is neither in the file nor in ${storeLabel}; add that certificate (and the root above it) to the file`,
      'INCOMPLETE_CHAIN',
      { subject: cert.issuer, ...(keyId ? { keyId } : {}) },
    );
  }

  for (const node of nodes) {
    const issuer = node.parent;
    // An old v1-style root (self-issued, no BasicConstraints) may issue; anything else must say CA:TRUE.
    if (issuer && !issuer.isCa && (issuer.hasBasicConstraints || !issuer.selfIssued)) {
      throw new TrustUploadError(`${quoted(issuer.cert.subject)} issued ${quoted(node.cert.subject)} but is not a CA certificate (BasicConstraints CA:TRUE)`, 'NOT_A_CA');
    }
    if (new Date(node.cert.notAfter) < now) warnings.push(`${quoted(node.cert.subject)} expired at ${node.cert.notAfter}; kept, as certificates it issued may still need it`);
    else if (new Date(node.cert.notBefore) > now) warnings.push(`${quoted(node.cert.subject)} is not valid before ${node.cert.notBefore}`);
  }

  return { chains: groupChains(nodes), certificates: nodes.map((node) => node.cert), warnings };
}

function topOf(node: Node): Node {
  let at = node;
  for (let depth = 0; at.parent && depth < 32; depth++) at = at.parent;
  return at;
}

function groupChains(nodes: Node[]): UploadChain[] {
  const hasChildren = new Set(nodes.flatMap((node) => (node.parent ? [node.parent] : [])));
  const groups = new Map<Node, Node[]>();
  for (const node of nodes) {
    const top = topOf(node);
    groups.set(top, [...(groups.get(top) ?? []), node]);
  }
  const chains: UploadChain[] = [];
  for (const [top, members] of groups) {
    for (const node of members) node.cert.role = node === top && top.selfIssued ? 'root' : node.isCa || hasChildren.has(node) ? 'intermediate' : 'https';
    const rootAlreadyTrusted = !top.selfIssued;
    const intermediates = members.filter((node) => node.cert.role === 'intermediate').length;
    const https = members.filter((node) => node.cert.role === 'https').length;
    let scenario: UploadScenario = 'root';
    if (intermediates > 0) scenario = 'intermediate';
    else if (https > 0) scenario = 'root-and-https';
    else if (members.length === 1 && !top.isCa) scenario = 'root-is-https';
    const order: Record<UploadRole, number> = { root: 0, intermediate: 1, https: 2 };
    chains.push({ scenario, certificates: members.map((node) => node.cert).sort((a, b) => order[a.role] - order[b.role]), rootAlreadyTrusted });
  }
  return chains;
}
