// Helpers for the shared/pki tests: the system openssl as an independent checker and certificate maker, temp files,
// and key pairs generated once per test file.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type KeyUsage, type Name, type TBSCertificate } from '@peculiar/asn1-x509';
import { derToPem, pemToDer } from '../../../shared/pki/certificate.ts';

export interface OpensslResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function opensslRun(args: string[], input?: string | Uint8Array): OpensslResult {
  const result = spawnSync('openssl', args, { input, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs openssl and returns stdout; throws with stderr when it fails. */
export function openssl(args: string[], input?: string | Uint8Array): string {
  const result = opensslRun(args, input);
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** `openssl x509 -text -noout` of a DER certificate. */
export function opensslText(der: Uint8Array): string {
  return openssl(['x509', '-inform', 'DER', '-text', '-noout', '-nameopt', 'RFC2253'], der);
}

/** A temp directory for one test file; call `remove()` in afterAll. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'capf-pki-'));
  private counter = 0;

  /** Writes `content` to a fresh file and returns its path. */
  write(name: string, content: string | Uint8Array): string {
    const file = join(this.path, `${this.counter++}-${name}`);
    writeFileSync(file, content);
    return file;
  }

  writePem(name: string, der: Uint8Array): string {
    return this.write(name, derToPem(der));
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export type KeySpec = { type: 'rsa'; bits: number } | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' };

const keyCache = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>();

/** One key pair per spec and per test file (module state is per file under vitest's forks pool). */
export function keyPair(spec: KeySpec): { publicKey: KeyObject; privateKey: KeyObject } {
  const id = spec.type === 'rsa' ? `rsa-${spec.bits}` : `ec-${spec.curve}`;
  let pair = keyCache.get(id);
  if (!pair) {
    pair = spec.type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: spec.bits }) : generateKeyPairSync('ec', { namedCurve: spec.curve });
    keyCache.set(id, pair);
  }
  return pair;
}

export function spkiOf(publicKey: KeyObject): Uint8Array {
  return new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
}

/**
 * Makes a CA certificate with openssl (independent of our encoder). `subject` is an openssl config [dn] section body,
 * one `type = value` per line, in order; PrintableString is used wherever the value allows it.
 */
export function opensslCertificate(
  dir: TempDir,
  options: { subject: string; privateKey: KeyObject; extensions: string; issuer?: { der: Uint8Array; privateKey: KeyObject }; days?: number },
): Uint8Array {
  const keyPath = dir.write('key.pem', options.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  const config = dir.write('req.cnf', `[req]\nprompt = no\nstring_mask = nombstr\ndistinguished_name = dn\n[dn]\n${options.subject}\n[ext]\n${options.extensions}\n`);
  const csr = dir.write('req.csr', '');
  openssl(['req', '-new', '-config', config, '-key', keyPath, '-out', csr]);
  const out = dir.write('cert.pem', '');
  const days = String(options.days ?? 30);
  if (options.issuer) {
    const issuerCert = dir.writePem('issuer.pem', options.issuer.der);
    const issuerKey = dir.write('issuer-key.pem', options.issuer.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    openssl(['x509', '-req', '-in', csr, '-CA', issuerCert, '-CAkey', issuerKey, '-set_serial', '0x1234', '-days', days, '-sha256', '-extfile', config, '-extensions', 'ext', '-out', out]);
  } else {
    openssl(['x509', '-req', '-in', csr, '-signkey', keyPath, '-days', days, '-sha256', '-extfile', config, '-extensions', 'ext', '-out', out]);
  }
  return pemToDer(readFileSync(out, 'utf8'));
}

export const CA_EXTENSIONS = 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign, digitalSignature\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid';

/** A certificate as @peculiar/asn1-x509 (an independent parser) sees it. */
export interface LibraryView {
  certificate: Certificate;
  tbs: TBSCertificate;
  serialHex: string;
  /** Extension OIDs in order. */
  extensionIds: string[];
  extension<T>(oid: string, type: new () => T): { critical: boolean; value: T };
  /** [type OID, string value, ASN.1 string kind] per RDN, in order. */
  subject: Array<[string, string, string]>;
  issuer: Array<[string, string, string]>;
  /** Re-encoded DER of issuer and subject Names. */
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
}

function nameView(name: Name): Array<[string, string, string]> {
  return name.map((rdn) => {
    expect(rdn.length).toBe(1);
    const atv = rdn[0]!;
    const kind = Object.entries(atv.value).find(([, v]) => typeof v === 'string')?.[0] ?? 'other';
    return [atv.type, atv.value.toString(), kind] as [string, string, string];
  });
}

export function libraryView(der: Uint8Array): LibraryView {
  const certificate = AsnConvert.parse(der, Certificate);
  const tbs = certificate.tbsCertificate;
  const extensions = tbs.extensions ?? [];
  return {
    certificate,
    tbs,
    serialHex: Buffer.from(tbs.serialNumber).toString('hex'),
    extensionIds: extensions.map((e) => e.extnID),
    extension<T>(oid: string, type: new () => T) {
      const found = extensions.find((e) => e.extnID === oid);
      if (!found) throw new Error(`extension ${oid} is missing`);
      return { critical: found.critical, value: AsnConvert.parse(found.extnValue.buffer, type) };
    },
    subject: nameView(tbs.subject),
    issuer: nameView(tbs.issuer),
    issuerDer: new Uint8Array(AsnConvert.serialize(tbs.issuer)),
    subjectDer: new Uint8Array(AsnConvert.serialize(tbs.subject)),
  };
}

/** Names of the KeyUsage bits that are set, sorted. */
export function keyUsageNames(usage: KeyUsage): string[] {
  return usage.toJSON().sort();
}
