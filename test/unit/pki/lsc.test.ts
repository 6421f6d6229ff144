import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier } from '@peculiar/asn1-x509';
import { ConfigError, ValidationError } from '../../../shared/errors.ts';
import { generateCapfCa, type CapfCaMaterial } from '../../../shared/pki/capf-ca.ts';
import { readCertificateParts } from '../../../shared/pki/certificate-parts.ts';
import { LscBuilder } from '../../../shared/pki/lsc.ts';
import { createSoftwareSigner } from '../../../shared/pki/software-signer.ts';
import { subjectKeyIdentifier } from '../../../shared/pki/spki.ts';
import { CA_EXTENSIONS, keyPair, keyUsageNames, libraryView, opensslCertificate, opensslRun, opensslText, spkiOf, TempDir, type KeySpec } from './support.ts';

const DEVICE = 'SEPAAAA00000001';
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000 + 789); // a minute ago, with milliseconds
const NOW_SECOND = new Date(NOW.getTime() - 789);
const DAY = 86_400_000;
const OID = {
  cn: '2.5.4.3',
  c: '2.5.4.6',
  l: '2.5.4.7',
  st: '2.5.4.8',
  o: '2.5.4.10',
  ou: '2.5.4.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  san: '2.5.29.17',
  ski: '2.5.29.14',
  aki: '2.5.29.35',
};
const EKU = ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.5'];

const dir = new TempDir();
afterAll(() => dir.remove());

let rsaCa: CapfCaMaterial;
let ecCa: CapfCaMaterial;
let rsaBuilder: LscBuilder;
let ecBuilder: LscBuilder;
beforeAll(async () => {
  [rsaCa, ecCa] = await Promise.all([
    // Ten years, so a 1825-day LSC fits inside the CA's validity (an LSC never outlives its CA: it would be capped).
    generateCapfCa({ organization: 'CAPF', organizationalUnit: 'CAPF', now: new Date(NOW.getTime() - DAY), validityDays: 3650 }),
    generateCapfCa({ keyType: 'ec', organization: 'CAPF', organizationalUnit: 'CAPF', now: new Date(NOW.getTime() - DAY), validityDays: 3650 }),
  ]);
  rsaBuilder = new LscBuilder(rsaCa.certificateDer, createSoftwareSigner(createPrivateKey(rsaCa.privateKeyPem)));
  ecBuilder = new LscBuilder(ecCa.certificateDer, createSoftwareSigner(createPrivateKey(ecCa.privateKeyPem)));
});

function opensslVerify(lsc: Uint8Array, rootDer: Uint8Array, intermediateDer?: Uint8Array, purpose?: string, strict = true): string {
  const args = ['verify', ...(strict ? ['-x509_strict'] : []), '-CAfile', dir.writePem('root.pem', rootDer)];
  if (intermediateDer) args.push('-untrusted', dir.writePem('intermediate.pem', intermediateDer));
  if (purpose) args.push('-purpose', purpose);
  const file = dir.writePem('lsc.pem', lsc);
  const result = opensslRun([...args, file]);
  return result.status === 0 ? result.stdout.replace(`${file}: `, '').trim() : `failed: ${result.stdout}${result.stderr}`;
}

/** Every field of an LSC, one by one, through node:crypto and @peculiar/asn1-x509. */
function expectLscProfile(lsc: Uint8Array, issuerDer: Uint8Array, spki: Uint8Array, caKeyType: 'rsa' | 'ec', validityDays: number): void {
  const view = libraryView(lsc);
  const issuerView = libraryView(issuerDer);
  expect(view.tbs.version).toBe(2);
  // Serial: positive, 128 bits.
  const serial = Buffer.from(view.tbs.serialNumber);
  expect(serial[0]! & 0x80).toBe(0);
  expect(BigInt(`0x${serial.toString('hex')}`) < 2n ** 128n).toBe(true);
  expect(BigInt(`0x${serial.toString('hex')}`) > 0n).toBe(true);
  // Signature algorithm, in the TBS and outside it.
  const algorithm = caKeyType === 'rsa' ? '1.2.840.113549.1.1.11' : '1.2.840.10045.4.3.2';
  expect(view.tbs.signature.algorithm).toBe(algorithm);
  expect(view.certificate.signatureAlgorithm.algorithm).toBe(algorithm);
  // Issuer = the issuing certificate's subject, byte for byte.
  expect(Buffer.from(readCertificateParts(lsc).issuer).equals(readCertificateParts(issuerDer).subject)).toBe(true);
  expect(view.issuer).toEqual(issuerView.subject);
  // Validity: now (whole seconds), now + days.
  expect(view.tbs.validity.notBefore.getTime()).toEqual(NOW_SECOND);
  expect(view.tbs.validity.notAfter.getTime()).toEqual(new Date(NOW_SECOND.getTime() + validityDays * DAY));
  // Subject: CN, then the issuer's O, OU, L, ST, C in the issuer's order.
  const copied = issuerView.subject.filter(([oid]) => [OID.o, OID.ou, OID.l, OID.st, OID.c].includes(oid));
  expect(view.subject).toEqual([[OID.cn, DEVICE, 'utf8String'], ...copied]);
  // The phone's key, as sent.
  expect(Buffer.from(readCertificateParts(lsc).spki).equals(spki)).toBe(true);
  // Extensions in order, with criticality.
  expect(view.extensionIds).toEqual([OID.basicConstraints, OID.keyUsage, OID.extKeyUsage, OID.san, OID.ski, OID.aki]);
  const bc = view.extension(OID.basicConstraints, BasicConstraints);
  expect(bc.critical).toBe(true);
  expect(bc.value.cA).toBe(false);
  expect(bc.value.pathLenConstraint).toBeUndefined();
  const ku = view.extension(OID.keyUsage, KeyUsage);
  expect(ku.critical).toBe(true);
  expect(keyUsageNames(ku.value)).toEqual(['digitalSignature', 'keyEncipherment']);
  const eku = view.extension(OID.extKeyUsage, ExtendedKeyUsage);
  expect(eku.critical).toBe(false);
  expect([...eku.value]).toEqual(EKU);
  const san = view.extension(OID.san, SubjectAlternativeName);
  expect(san.critical).toBe(false);
  expect(san.value.map((n) => n.uniformResourceIdentifier)).toEqual([DEVICE]);
  const ski = view.extension(OID.ski, SubjectKeyIdentifier);
  expect(ski.critical).toBe(false);
  expect(Buffer.from(ski.value.buffer).equals(subjectKeyIdentifier(spki))).toBe(true);
  const aki = view.extension(OID.aki, AuthorityKeyIdentifier);
  expect(aki.critical).toBe(false);
  expect(aki.value.authorityCertIssuer).toBeUndefined();
  expect(aki.value.authorityCertSerialNumber).toBeUndefined();
  const issuerSki = issuerView.extension(OID.ski, SubjectKeyIdentifier).value;
  expect(Buffer.from(aki.value.keyIdentifier!.buffer).equals(Buffer.from(issuerSki.buffer))).toBe(true);
  // node:crypto: issued by the issuer, signature verifies, not a CA, names and usages as above.
  const x509 = new X509Certificate(lsc);
  const issuer = new X509Certificate(issuerDer);
  expect(x509.checkIssued(issuer)).toBe(true);
  expect(x509.verify(issuer.publicKey)).toBe(true);
  expect(x509.ca).toBe(false);
  expect(x509.issuer).toBe(issuer.subject);
  expect(x509.subjectAltName).toBe(`URI:${DEVICE}`);
  expect(x509.keyUsage).toEqual(EKU);
  expect(Buffer.from(x509.publicKey.export({ format: 'der', type: 'spki' })).equals(spki)).toBe(true);
}

describe('LscBuilder with the CAPF certificate as issuer', () => {
  it('RSA CA, RSA-2048 phone key: every field, and openssl agrees', async () => {
    const spki = spkiOf(keyPair({ type: 'rsa', bits: 2048 }).publicKey);
    const lsc = await rsaBuilder.build({ deviceName: DEVICE, spkiDer: spki, validityDays: 365, now: NOW });
    expectLscProfile(lsc, rsaCa.certificateDer, spki, 'rsa', 365);
    const text = opensslText(lsc);
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    // RFC 2253 prints the RDNs last first.
    expect(text).toContain(`Subject: OU=CAPF,O=CAPF,CN=${DEVICE}\n`);
    expect(text).toMatch(/Issuer: OU=CAPF,O=CAPF,CN=CAPF-[0-9a-f]{8}\n/);
    expect(text).toContain('Public-Key: (2048 bit)');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication, IPSec End System\n/);
    expect(text).toMatch(new RegExp(`X509v3 Subject Alternative Name: \\n\\s+URI:${DEVICE}\\n`));
    expect(text).toMatch(/X509v3 Subject Key Identifier: \n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
    expect(text).toMatch(/X509v3 Authority Key Identifier: \n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
    expect(opensslVerify(lsc, rsaCa.certificateDer)).toBe('OK');
    expect(opensslVerify(lsc, rsaCa.certificateDer, undefined, 'sslclient')).toBe('OK');
    expect(opensslVerify(lsc, rsaCa.certificateDer, undefined, 'sslserver')).toBe('OK');
  });

  it('EC CA, EC P-256 phone key: ecdsa-with-SHA256, and keyEncipherment like the reference', async () => {
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    const lsc = await ecBuilder.build({ deviceName: DEVICE, spkiDer: spki, validityDays: 1825, now: NOW });
    expectLscProfile(lsc, ecCa.certificateDer, spki, 'ec', 1825);
    const text = opensslText(lsc);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
    expect(opensslVerify(lsc, ecCa.certificateDer)).toBe('OK');
  });

  const phoneKeys: KeySpec[] = [
    { type: 'rsa', bits: 1024 },
    { type: 'rsa', bits: 4096 },
    { type: 'ec', curve: 'P-384' },
    { type: 'ec', curve: 'P-521' },
  ];
  it.each(phoneKeys)('any CA key with phone key %o', async (spec) => {
    const spki = spkiOf(keyPair(spec).publicKey);
    for (const [builder, ca, caType] of [[rsaBuilder, rsaCa, 'rsa'], [ecBuilder, ecCa, 'ec']] as const) {
      const lsc = await builder.build({ deviceName: DEVICE, spkiDer: spki, validityDays: 30, now: NOW });
      expectLscProfile(lsc, ca.certificateDer, spki, caType, 30);
      expect(opensslVerify(lsc, ca.certificateDer)).toBe('OK');
    }
  });

  it('gives a positive 128-bit serial, unique across many builds, 17 DER bytes when the top bit is set', async () => {
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    const serials = new Set<string>();
    const lengths = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const content = readCertificateParts(await ecBuilder.build({ deviceName: DEVICE, spkiDer: spki, validityDays: 1 })).serial;
      expect(content.length).toBeGreaterThanOrEqual(1);
      expect(content.length).toBeLessThanOrEqual(17);
      expect(content[0]! & 0x80).toBe(0); // positive
      if (content.length === 17) expect(content[0]).toBe(0);
      // Minimal encoding: a leading 0x00 is there only because the next byte's top bit is set.
      if (content.length > 1 && content[0] === 0) expect(content[1]! & 0x80).toBe(0x80);
      lengths.add(content.length);
      serials.add(Buffer.from(content).toString('hex'));
    }
    expect(serials.size).toBe(400);
    expect(lengths.has(17)).toBe(true); // half the serials have the top bit set
    expect([...lengths].some((n) => n <= 16)).toBe(true);
  });

  it('caps the notAfter at the issuing CA certificate\'s, and refuses to issue once the CA has expired', async () => {
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    const shortCa = await generateCapfCa({ keyType: 'ec', validityDays: 10, now: NOW });
    const short = new LscBuilder(shortCa.certificateDer, createSoftwareSigner(createPrivateKey(shortCa.privateKeyPem)));
    const lsc = libraryView(await short.build({ deviceName: DEVICE, spkiDer: spki, validityDays: 365, now: NOW }));
    expect(lsc.tbs.validity.notAfter.getTime()).toEqual(short.issuerNotAfter);
    expect(short.issuerNotAfter.getTime() - NOW_SECOND.getTime()).toBe(10 * DAY);
    await expect(short.build({ deviceName: DEVICE, spkiDer: spki, validityDays: 1, now: new Date(NOW.getTime() + 11 * DAY) })).rejects.toMatchObject({ code: 'CA_EXPIRED' });
  });

  it('accepts 1 and 1825 days and refuses anything else', async () => {
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    for (const days of [1, 1825]) {
      const lsc = await ecBuilder.build({ deviceName: DEVICE, spkiDer: spki, validityDays: days, now: NOW });
      const view = libraryView(lsc);
      expect(view.tbs.validity.notAfter.getTime().getTime() - view.tbs.validity.notBefore.getTime().getTime()).toBe(days * DAY);
    }
    for (const days of [0, 1826, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const attempt = ecBuilder.build({ deviceName: DEVICE, spkiDer: spki, validityDays: days });
      await expect(attempt).rejects.toThrow(ValidationError);
      await expect(attempt).rejects.toMatchObject({ code: 'INVALID_VALIDITY', message: `LSC validity must be a whole number of days from 1 to 1825, not ${days}` });
    }
    await expect(ecBuilder.build({ deviceName: DEVICE, spkiDer: spki, validityDays: 1, now: new Date('x') })).rejects.toThrow('LSC start time is not a valid date');
  });

  it.each(['', '1SEP', 'SEP AAAA', 'x'.repeat(65), 'SEP\u0000AAAA', 'CSF/evil'])('refuses device name %j', async (deviceName) => {
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    await expect(ecBuilder.build({ deviceName, spkiDer: spki, validityDays: 1 })).rejects.toMatchObject({ code: 'INVALID_DEVICE_NAME' });
  });

  it('accepts soft-client names and puts them in CN and SAN', async () => {
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    const lsc = await ecBuilder.build({ deviceName: 'CSFjsmith_2.x-1', spkiDer: spki, validityDays: 1 });
    const x509 = new X509Certificate(lsc);
    expect(x509.subject.split('\n')[0]).toBe('CN=CSFjsmith_2.x-1');
    expect(x509.subjectAltName).toBe('URI:CSFjsmith_2.x-1');
  });

  it('refuses a bad public key with the specific reason', async () => {
    const build = (spkiDer: Uint8Array): Promise<Uint8Array> => rsaBuilder.build({ deviceName: DEVICE, spkiDer, validityDays: 1 });
    await expect(build(Uint8Array.of(0x30, 0x00))).rejects.toMatchObject({ code: 'INVALID_PUBLIC_KEY', message: expect.stringMatching(/^public key is not a DER SubjectPublicKeyInfo/) });
    const rsa512 = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey;
    await expect(build(spkiOf(rsa512))).rejects.toThrow(/RSA key of 512 bits is too small/);
    await expect(build(new Uint8Array(5000))).rejects.toThrow('public key of 5000 bytes exceeds the 2048-byte bound');
  });
});

describe('LscBuilder with an intermediate issuer', () => {
  let rootDer: Uint8Array;
  let intermediateDer: Uint8Array;
  let builder: LscBuilder;
  beforeAll(() => {
    const rootKey = keyPair({ type: 'rsa', bits: 2048 }).privateKey;
    rootDer = opensslCertificate(dir, { subject: 'C = NZ\nO = Example\nCN = Example Root CA', privateKey: rootKey, extensions: CA_EXTENSIONS });
    const intermediateKey = keyPair({ type: 'ec', curve: 'P-384' }).privateKey;
    intermediateDer = opensslCertificate(dir, {
      subject: 'C = NZ\nST = Wellington\nL = Te Aro\nO = Example Voice\nOU = Phones\nCN = Example Issuing CA\nemailAddress = pki@example.com',
      privateKey: intermediateKey,
      extensions: `${CA_EXTENSIONS.replace('CA:TRUE', 'CA:TRUE, pathlen:0')}`,
      issuer: { der: rootDer, privateKey: rootKey },
      days: 365,
    });
    builder = new LscBuilder(intermediateDer, createSoftwareSigner(intermediateKey));
  });

  it('names the intermediate (not its issuer) and verifies with openssl -untrusted', async () => {
    const spki = spkiOf(keyPair({ type: 'rsa', bits: 2048 }).publicKey);
    const lsc = await builder.build({ deviceName: DEVICE, spkiDer: spki, validityDays: 90, now: NOW });
    expectLscProfile(lsc, intermediateDer, spki, 'ec', 90);
    // PrintableString attributes are copied as they are, in the issuer's order; CN and emailAddress are not copied.
    expect(libraryView(lsc).subject).toEqual([
      [OID.cn, DEVICE, 'utf8String'],
      [OID.c, 'NZ', 'printableString'],
      [OID.st, 'Wellington', 'printableString'],
      [OID.l, 'Te Aro', 'printableString'],
      [OID.o, 'Example Voice', 'printableString'],
      [OID.ou, 'Phones', 'printableString'],
    ]);
    expect(opensslText(lsc)).toContain('Issuer: emailAddress=pki@example.com,CN=Example Issuing CA,OU=Phones,O=Example Voice,L=Te Aro,ST=Wellington,C=NZ');
    expect(opensslVerify(lsc, rootDer, intermediateDer)).toBe('OK');
    expect(opensslVerify(lsc, rootDer)).toMatch(/^failed: .*unable to get local issuer certificate/s);
  });

  it('derives the AKI from the issuer key when the issuer has no SKI', async () => {
    const key = keyPair({ type: 'ec', curve: 'P-256' });
    const bare = opensslCertificate(dir, {
      subject: 'CN = Bare CA',
      privateKey: key.privateKey,
      extensions: 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign\nsubjectKeyIdentifier = none\nauthorityKeyIdentifier = none',
    });
    expect(libraryView(bare).extensionIds).not.toContain(OID.ski);
    const lsc = await new LscBuilder(bare, createSoftwareSigner(key.privateKey)).build({ deviceName: DEVICE, spkiDer: spkiOf(key.publicKey), validityDays: 1 });
    const aki = libraryView(lsc).extension(OID.aki, AuthorityKeyIdentifier).value;
    expect(Buffer.from(aki.keyIdentifier!.buffer).equals(subjectKeyIdentifier(spkiOf(key.publicKey)))).toBe(true);
    expect(libraryView(lsc).subject).toEqual([[OID.cn, DEVICE, 'utf8String']]);
    // -x509_strict would refuse the issuer itself for lacking an SKI (error 86), which is the point of this test.
    expect(opensslVerify(lsc, bare, undefined, undefined, false)).toBe('OK');
  });
});

describe('LscBuilder refuses an unusable issuer', () => {
  it('that is not a CA', async () => {
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    const lsc = await ecBuilder.build({ deviceName: DEVICE, spkiDer: spki, validityDays: 1 });
    const signer = createSoftwareSigner(keyPair({ type: 'ec', curve: 'P-256' }).privateKey);
    expect(() => new LscBuilder(lsc, signer)).toThrow(ConfigError);
    expect(() => new LscBuilder(lsc, signer)).toThrow('LSC issuer certificate is not a CA certificate (BasicConstraints CA:TRUE is missing)');
  });

  it('whose key type differs from the signer', () => {
    const signer = createSoftwareSigner(keyPair({ type: 'ec', curve: 'P-256' }).privateKey);
    expect(() => new LscBuilder(rsaCa.certificateDer, signer)).toThrow('LSC issuer certificate holds a rsa key but the signer signs with ec');
  });

  it('that does not parse', () => {
    const signer = createSoftwareSigner(keyPair({ type: 'ec', curve: 'P-256' }).privateKey);
    expect(() => new LscBuilder(Uint8Array.of(1, 2, 3), signer)).toThrow(/^LSC issuer certificate is not usable: /);
  });
});
