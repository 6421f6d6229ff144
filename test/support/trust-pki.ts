// Certificates for trust-store tests, made with @peculiar/x509 over node:crypto's WebCrypto: roots, intermediates and
// HTTPS (server) certificates with the extensions a real CA puts in (or leaves out).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCert {
  name: string;
  keys: webcrypto.CryptoKeyPair;
  pem: string;
  /** The SubjectKeyIdentifier, lowercase hex. */
  keyId: string;
}

export function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
}

export interface CertOptions {
  /** Subject DN, e.g. `CN=Example Root, O=Example`. */
  name: string;
  /** The issuer; omitted: self-signed. */
  issuer?: TestCert;
  /** true: CA:TRUE; false: CA:FALSE; undefined: no BasicConstraints. */
  ca?: boolean;
  keys?: webcrypto.CryptoKeyPair;
  /** Sign with these keys instead of the issuer's (a forged issuer). */
  signingKeys?: webcrypto.CryptoKeyPair;
  notAfter?: Date;
  /** Leave out the AuthorityKeyIdentifier. */
  noAki?: boolean;
}

let serial = 1;

export async function makeCert(options: CertOptions): Promise<TestCert> {
  const keys = options.keys ?? (await newKeys());
  const signer = options.signingKeys ?? options.issuer?.keys ?? keys;
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  const extensions: x509.Extension[] = [ski];
  if (options.ca !== undefined) extensions.push(new x509.BasicConstraintsExtension(options.ca, undefined, true));
  if (options.ca) extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  if (options.issuer && !options.noAki) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey));
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: options.name,
    issuer: options.issuer?.name ?? options.name,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: EC,
    extensions,
  });
  return { name: options.name, keys, pem: certificate.toString('pem'), keyId: ski.keyId };
}

/** A root, an intermediate under it and an HTTPS certificate under the intermediate. */
export async function makeChain(prefix = 'Example'): Promise<{ root: TestCert; intermediate: TestCert; https: TestCert; direct: TestCert }> {
  const root = await makeCert({ name: `CN=${prefix} Root CA, O=${prefix}`, ca: true });
  const intermediate = await makeCert({ name: `CN=${prefix} Issuing CA, O=${prefix}`, ca: true, issuer: root });
  const https = await makeCert({ name: `CN=ca.${prefix.toLowerCase()}.test, O=${prefix}`, ca: false, issuer: intermediate });
  const direct = await makeCert({ name: `CN=web.${prefix.toLowerCase()}.test, O=${prefix}`, ca: false, issuer: root });
  return { root, intermediate, https, direct };
}
