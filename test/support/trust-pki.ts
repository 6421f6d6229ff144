// Certificates for trust-store tests, made with @peculiar/x509 over node:crypto's WebCrypto: roots, intermediates and
// HTTPS (server) certificates with the extensions a real CA puts in (or leaves out).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { expect } from 'vitest';

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

const rsaAlgorithm = (modulusLength: number) => ({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength });

export function newRsaKeys(bits: number): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(rsaAlgorithm(bits), true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
}

/** PKCS#8 PEM of a test key. */
export async function privateKeyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
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
  /** KeyUsage flags of a CA (default keyCertSign + cRLSign + digitalSignature). */
  caKeyUsage?: number;
}

let serial = 1;

export async function makeCert(options: CertOptions): Promise<TestCert> {
  const keys = options.keys ?? (await newKeys());
  const signer = options.signingKeys ?? options.issuer?.keys ?? keys;
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  const extensions: x509.Extension[] = [ski];
  if (options.ca !== undefined) extensions.push(new x509.BasicConstraintsExtension(options.ca, undefined, true));
  if (options.ca) extensions.push(new x509.KeyUsagesExtension(options.caKeyUsage ?? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true));
  if (options.issuer && !options.noAki) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey));
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: options.name,
    issuer: options.issuer?.name ?? options.name,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.privateKey.algorithm.name === 'ECDSA' ? EC : rsaAlgorithm(0),
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

/** The error `run` throws, which must be an instance of `type`. */
export function refusal<E extends Error>(run: () => unknown, type: new (...args: never[]) => E): E {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}`);
}
