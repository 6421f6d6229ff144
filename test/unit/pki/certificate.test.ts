import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { generateCapfCa, type CapfCaMaterial } from '../../../shared/pki/capf-ca.ts';
import { derToPem, describeCertificate, MAX_CERTIFICATE_BYTES, pemToDer, splitPemChain, toStoredCertificate } from '../../../shared/pki/certificate.ts';
import { readCertificateParts } from '../../../shared/pki/certificate-parts.ts';
import { LscBuilder } from '../../../shared/pki/lsc.ts';
import { createSoftwareSigner } from '../../../shared/pki/software-signer.ts';
import { keyPair, openssl, opensslCertificate, spkiOf, TempDir } from './support.ts';

const dir = new TempDir();
afterAll(() => dir.remove());

let ca: CapfCaMaterial;
let builder: LscBuilder;
let lsc: Uint8Array;
beforeAll(async () => {
  ca = await generateCapfCa({ keyType: 'ec', organization: 'CAPF', organizationalUnit: 'CAPF' });
  builder = new LscBuilder(ca.certificateDer, createSoftwareSigner(createPrivateKey(ca.privateKeyPem)));
  lsc = await builder.build({ deviceName: 'SEPAAAA00000001', spkiDer: spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey), validityDays: 365 });
});

function expectInvalid(run: () => unknown, message: string | RegExp): void {
  expect(run).toThrow(ValidationError);
  expect(run).toThrow(message);
  try {
    run();
  } catch (err) {
    expect((err as ValidationError).code).toBe('INVALID_CERTIFICATE');
  }
}

describe('toStoredCertificate', () => {
  it('summarises an LSC the way node:crypto reads it', () => {
    const stored = toStoredCertificate(lsc);
    const x509 = new X509Certificate(lsc);
    expect(stored.pem).toBe(x509.toString());
    expect(stored.serialHex).toBe(x509.serialNumber.toLowerCase().replace(/^0+/, ''));
    expect(stored.serialHex).toMatch(/^[1-9a-f][0-9a-f]*$/);
    expect(stored.subject).toBe('CN=SEPAAAA00000001, O=CAPF, OU=CAPF');
    expect(stored.issuer).toBe(x509.issuer.split('\n').join(', '));
    expect(stored.notBefore).toBe(new Date(x509.validFrom).toISOString());
    expect(stored.notAfter).toBe(new Date(x509.validTo).toISOString());
    expect(stored.sha256Fingerprint).toBe(x509.fingerprint256.replaceAll(':', '').toLowerCase());
  });

  it('prints names as node:crypto does, escaping special characters', () => {
    const odd = opensslCertificate(dir, {
      subject: 'C = NZ\nO = Cisco Systems, Inc.\nOU = R+D <lab>; "x"\\y\nCN = Ünïcode CA\nDC = example\nemailAddress = pki@example.com\n1.2.3.4 = custom',
      privateKey: keyPair({ type: 'ec', curve: 'P-256' }).privateKey,
      extensions: 'basicConstraints = critical, CA:TRUE',
    });
    const x509 = new X509Certificate(odd);
    const stored = toStoredCertificate(odd);
    expect(stored.subject).toBe(x509.subject.split('\n').join(', '));
    // (openssl's config parser drops the quotes and backslash, and reads "1." as a field-repeat prefix.)
    expect(stored.subject).toMatch(/^C=NZ, O=Cisco Systems\\, Inc\., OU=R\\\+D \\<lab\\>\\; xy, CN=.+ CA, DC=example, emailAddress=pki@example\.com, 2\.3\.4=custom$/);
    expect(stored.issuer).toBe(stored.subject);
  });

  it('prints UTF8String names as node:crypto does', async () => {
    const utf8 = await generateCapfCa({ keyType: 'ec', organization: 'Société Générale, Ünï', organizationalUnit: ' #lead+trail ' });
    const stored = toStoredCertificate(utf8.certificateDer);
    expect(stored.subject).toBe(new X509Certificate(utf8.certificateDer).subject.split('\n').join(', '));
    expect(stored.subject).toMatch(/, O=Société Générale\\, Ünï, OU=\\ #lead\\\+trail\\ $/);
  });

  it('drops the 0x00 of serials whose top bit is set, and any leading zero digit', async () => {
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    const seen = { padded: false, short: false };
    for (let i = 0; i < 64 && !(seen.padded && seen.short); i++) {
      const der = await builder.build({ deviceName: 'SEPAAAA00000002', spkiDer: spki, validityDays: 1 });
      const nodeSerial = new X509Certificate(der).serialNumber.toLowerCase();
      const { serialHex } = toStoredCertificate(der);
      expect(serialHex).toBe(BigInt(`0x${nodeSerial}`).toString(16));
      if (readCertificateParts(der).serial.length === 17) seen.padded = true;
      if (serialHex.length < 32) seen.short = true;
    }
    expect(seen).toEqual({ padded: true, short: true });
  });

  it('reads GeneralizedTime dates from 2050 on', async () => {
    const late = await generateCapfCa({ keyType: 'ec', now: new Date('2049-06-01T00:00:00Z'), validityDays: 3650 });
    const stored = toStoredCertificate(late.certificateDer);
    expect(stored.notBefore).toBe('2049-06-01T00:00:00.000Z');
    expect(stored.notAfter).toBe('2059-05-30T00:00:00.000Z');
    expect(openssl(['x509', '-noout', '-enddate'], late.certificatePem).trim()).toBe('notAfter=May 30 00:00:00 2059 GMT');
  });

  it('refuses what is not one bounded DER certificate', () => {
    expectInvalid(() => toStoredCertificate(Uint8Array.of(1, 2, 3)), /^not a DER X.509 certificate/);
    expectInvalid(() => toStoredCertificate(Buffer.concat([lsc, Uint8Array.of(0)])), /trailing bytes/);
    expectInvalid(() => toStoredCertificate(new Uint8Array(MAX_CERTIFICATE_BYTES + 1)), `certificate of ${MAX_CERTIFICATE_BYTES + 1} bytes exceeds the ${MAX_CERTIFICATE_BYTES}-byte bound`);
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    expectInvalid(() => toStoredCertificate(spki), /certificate|X.509/);
  });
});

describe('describeCertificate', () => {
  it('tells a CA from a leaf and a root from an issued certificate', () => {
    const caView = describeCertificate(ca.certificateDer);
    expect(caView).toMatchObject({ isCa: true, selfIssued: true, commonName: expect.stringMatching(/^CAPF-/) });
    expect(describeCertificate(lsc)).toMatchObject({ isCa: false, selfIssued: false, commonName: 'SEPAAAA00000001', issuer: caView.subject });
  });
});

describe('PEM', () => {
  it('writes 64-character lines openssl reads, and reads them back', () => {
    const pem = derToPem(lsc);
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.at(-1)).toBe('-----END CERTIFICATE-----');
    expect(lines.slice(1, -2).every((line) => line.length === 64)).toBe(true);
    expect(openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], pem).trim()).toBe('subject=OU=CAPF,O=CAPF,CN=SEPAAAA00000001');
    expect(Buffer.from(pemToDer(pem)).equals(lsc)).toBe(true);
    expect(Buffer.from(pemToDer(pem.replaceAll('\n', '\r\n'))).equals(lsc)).toBe(true);
  });

  it('refuses other block types without echoing their content', () => {
    const keyPem = ca.privateKeyPem;
    const body = keyPem.split('\n')[1]!;
    try {
      pemToDer(keyPem);
      throw new Error('accepted a private key');
    } catch (err) {
      expect((err as Error).message).toBe('expected a PEM CERTIFICATE block, found PRIVATE KEY');
      expect((err as Error).message).not.toContain(body.slice(0, 16));
    }
    expect(Buffer.from(pemToDer(keyPem, 'PRIVATE KEY')).equals(createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' }))).toBe(true);
  });

  it.each([
    ['no block', 'hello', 'no PEM CERTIFICATE block found'],
    ['two blocks', 'TWO', 'more than 1 PEM blocks'],
    ['bad base64', '-----BEGIN CERTIFICATE-----\nMII!!\n-----END CERTIFICATE-----\n', 'PEM CERTIFICATE block is not valid base64'],
    ['an empty block', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n', 'PEM CERTIFICATE block is empty'],
    ['mismatched labels', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----\n', 'PEM block BEGIN CERTIFICATE ends with END X509 CRL'],
  ])('pemToDer refuses %s', (_what, text, message) => {
    const input = text === 'TWO' ? derToPem(lsc) + derToPem(lsc) : text;
    expectInvalid(() => pemToDer(input), message);
  });
});

describe('splitPemChain', () => {
  it('returns every certificate in order, ignoring text around the blocks', () => {
    const text = `leaf:\n${derToPem(lsc)}\r\nissuer:\r\n${derToPem(ca.certificateDer).replaceAll('\n', '\r\n')}trailing words`;
    const chain = splitPemChain(text);
    expect(chain.map((der) => Buffer.from(der).toString('hex'))).toEqual([Buffer.from(lsc).toString('hex'), Buffer.from(ca.certificateDer).toString('hex')]);
  });

  it('bounds the number of certificates and the text size', () => {
    expect(splitPemChain(derToPem(lsc).repeat(16))).toHaveLength(16);
    expectInvalid(() => splitPemChain(derToPem(lsc).repeat(17)), 'more than 16 PEM blocks');
    expectInvalid(() => splitPemChain('x'.repeat(600_000)), /PEM text of 600000 characters exceeds/);
  });

  it('refuses a block that is not a certificate', () => {
    expectInvalid(() => splitPemChain(derToPem(lsc) + derToPem(Uint8Array.of(1, 2, 3, 4))), /^not a DER X.509 certificate/);
    expectInvalid(() => splitPemChain(derToPem(lsc) + ca.privateKeyPem), 'expected a PEM CERTIFICATE block, found PRIVATE KEY');
  });
});
