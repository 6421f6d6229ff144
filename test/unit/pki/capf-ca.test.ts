import { createPrivateKey, generateKeyPairSync, sign, verify, X509Certificate } from 'node:crypto';
import { connect, createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier } from '@peculiar/asn1-x509';
import { ValidationError } from '../../../shared/errors.ts';
import { createCapfCaCertificate, generateCapfCa, isReservedCapfName, type CapfCaMaterial } from '../../../shared/pki/capf-ca.ts';
import { createSoftwareSigner } from '../../../shared/pki/software-signer.ts';
import { subjectKeyIdentifier } from '../../../shared/pki/spki.ts';
import { keyPair, keyUsageNames, libraryView, opensslRun, opensslText, spkiOf, TempDir } from './support.ts';

// An hour ago with a millisecond part: certificates are valid now, and must start at the whole second.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 456);
const NOW_SECOND = new Date(NOW.getTime() - 456);
const DAY = 86_400_000;
const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  ski: '2.5.29.14',
  san: '2.5.29.17',
  cn: '2.5.4.3',
  o: '2.5.4.10',
  ou: '2.5.4.11',
};
const EKU = ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.5'];

const dir = new TempDir();
afterAll(() => dir.remove());

let rsaCa: CapfCaMaterial;
let ecCa: CapfCaMaterial;
let p384Ca: CapfCaMaterial;
beforeAll(async () => {
  [rsaCa, ecCa, p384Ca] = await Promise.all([
    generateCapfCa({ now: NOW }),
    generateCapfCa({ keyType: 'ec', commonName: 'CAPF-ec256', organization: 'Example Org', organizationalUnit: 'Voice', validityDays: 730, now: NOW }),
    generateCapfCa({ keyType: 'ec', curve: 'P-384', now: NOW }),
  ]);
});

function expectCaProfile(material: CapfCaMaterial, keyType: 'rsa' | 'ec'): void {
  const view = libraryView(material.certificateDer);
  const x509 = new X509Certificate(material.certificateDer);
  const cn = view.subject[0]![1];

  // Version, serial, algorithm, names.
  expect(view.tbs.version).toBe(2);
  const serial = Buffer.from(view.tbs.serialNumber);
  expect(serial[0]! & 0x80).toBe(0);
  expect(serial.length).toBeLessThanOrEqual(17);
  const algorithm = keyType === 'rsa' ? '1.2.840.113549.1.1.11' : '1.2.840.10045.4.3.2';
  expect(view.tbs.signature.algorithm).toBe(algorithm);
  expect(view.certificate.signatureAlgorithm.algorithm).toBe(algorithm);
  expect(view.issuerDer).toEqual(view.subjectDer);
  expect(cn).toMatch(/^CAPF-/);

  // Extensions: exactly these five, with these criticalities.
  expect(view.extensionIds).toEqual([OID.basicConstraints, OID.keyUsage, OID.extKeyUsage, OID.ski, OID.san]);
  const bc = view.extension(OID.basicConstraints, BasicConstraints);
  expect(bc).toEqual({ critical: true, value: expect.objectContaining({ cA: true, pathLenConstraint: 0 }) });
  const ku = view.extension(OID.keyUsage, KeyUsage);
  expect(ku.critical).toBe(true);
  expect(keyUsageNames(ku.value)).toEqual(keyType === 'rsa' ? ['crlSign', 'digitalSignature', 'keyCertSign', 'keyEncipherment'] : ['crlSign', 'digitalSignature', 'keyCertSign']);
  const eku = view.extension(OID.extKeyUsage, ExtendedKeyUsage);
  expect(eku.critical).toBe(false);
  expect([...eku.value]).toEqual(EKU);
  const ski = view.extension(OID.ski, SubjectKeyIdentifier);
  expect(ski.critical).toBe(false);
  const spki = new Uint8Array(x509.publicKey.export({ format: 'der', type: 'spki' }));
  expect(Buffer.from(ski.value.buffer).equals(subjectKeyIdentifier(spki))).toBe(true);
  const san = view.extension(OID.san, SubjectAlternativeName);
  expect(san.critical).toBe(false);
  expect(san.value.map((n) => n.dNSName)).toEqual([cn]);

  // node:crypto (OpenSSL) sees the same and verifies the self-signature.
  expect(x509.ca).toBe(true);
  expect(x509.checkIssued(x509)).toBe(true);
  expect(x509.verify(x509.publicKey)).toBe(true);
  expect(x509.subjectAltName).toBe(`DNS:${cn}`);
  expect(x509.keyUsage).toEqual(EKU);
  expect(x509.publicKey.asymmetricKeyType).toBe(keyType);

  // The private key is the certificate's key.
  const privateKey = createPrivateKey(material.privateKeyPem);
  const proof = sign('sha256', Buffer.from('proof'), privateKey);
  expect(verify('sha256', Buffer.from('proof'), x509.publicKey, proof)).toBe(true);
  expect(material.certificatePem).toBe(x509.toString());
}

describe('generateCapfCa', () => {
  it('makes an RSA-2048 CAPF certificate with the CUCM CAPF profile', () => {
    expectCaProfile(rsaCa, 'rsa');
    const x509 = new X509Certificate(rsaCa.certificateDer);
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x509.subject).toMatch(/^CN=CAPF-[0-9a-f]{8}$/);
    const view = libraryView(rsaCa.certificateDer);
    expect(view.tbs.validity.notBefore.getTime()).toEqual(NOW_SECOND);
    expect(view.tbs.validity.notAfter.getTime()).toEqual(new Date(NOW_SECOND.getTime() + 1825 * DAY));
  });

  it('makes EC P-256 and P-384 CAPF certificates (no keyEncipherment)', () => {
    expectCaProfile(ecCa, 'ec');
    expectCaProfile(p384Ca, 'ec');
    expect(new X509Certificate(ecCa.certificateDer).publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new X509Certificate(p384Ca.certificateDer).publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });

  it('puts CN, O, OU in that order and honours validityDays', () => {
    const view = libraryView(ecCa.certificateDer);
    expect(view.subject).toEqual([
      [OID.cn, 'CAPF-ec256', 'utf8String'],
      [OID.o, 'Example Org', 'utf8String'],
      [OID.ou, 'Voice', 'utf8String'],
    ]);
    expect(view.tbs.validity.notAfter.getTime().getTime() - view.tbs.validity.notBefore.getTime().getTime()).toBe(730 * DAY);
  });

  it('gives a fresh random name and serial each time', async () => {
    const other = await generateCapfCa({ keyType: 'ec' });
    expect(libraryView(other.certificateDer).subject[0]![1]).not.toBe(libraryView(ecCa.certificateDer).subject[0]![1]);
    expect(libraryView(other.certificateDer).serialHex).not.toBe(libraryView(ecCa.certificateDer).serialHex);
  });

  it('reads as the CAPF profile in openssl, which verifies it as its own root', () => {
    for (const [material, algorithm] of [[rsaCa, 'sha256WithRSAEncryption'], [ecCa, 'ecdsa-with-SHA256']] as const) {
      const text = opensslText(material.certificateDer);
      expect(text).toContain(`Signature Algorithm: ${algorithm}`);
      expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
      const usages = material === rsaCa ? 'Digital Signature, Key Encipherment, Certificate Sign, CRL Sign' : 'Digital Signature, Certificate Sign, CRL Sign';
      expect(text).toMatch(new RegExp(`X509v3 Key Usage: critical\\n\\s+${usages}\\n`));
      expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication, IPSec End System\n/);
      expect(text).toMatch(/X509v3 Subject Key Identifier: \n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
      expect(text).toMatch(/X509v3 Subject Alternative Name: \n\s+DNS:CAPF-/);
      const file = dir.write('capf.pem', material.certificatePem);
      const result = opensslRun(['verify', '-x509_strict', '-CAfile', file, file]);
      expect(result.stdout.trim()).toBe(`${file}: OK`);
    }
  });

  it('serves TLS: a client that trusts only the CAPF certificate connects and checks the name', async () => {
    for (const material of [rsaCa, ecCa]) {
      const cn = libraryView(material.certificateDer).subject[0]![1];
      const server: Server = createServer({ cert: material.certificatePem, key: material.privateKeyPem }, (socket) => socket.end('hello'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      try {
        // The handshake's verdict is carried out of the callbacks, so that a failed check fails this test.
        const outcome = await new Promise<{ authorized: boolean; authorizationError: Error | null; received: string }>((resolve, reject) => {
          let verdict: { authorized: boolean; authorizationError: Error | null } | undefined;
          const socket = connect({ host: '127.0.0.1', port, servername: cn, ca: material.certificatePem }, () => {
            verdict = { authorized: socket.authorized, authorizationError: socket.authorizationError ?? null };
          });
          let data = '';
          socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
          socket.on('end', () => (verdict ? resolve({ ...verdict, received: data }) : reject(new Error('the connection ended before the TLS handshake completed'))));
          socket.on('error', reject);
        });
        expect(outcome.authorizationError).toBeNull();
        expect(outcome.authorized).toBe(true);
        expect(outcome.received).toBe('hello');
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  });
});

describe('generateCapfCa refuses bad options before generating a key', () => {
  it.each([
    [{ rsaBits: 4096 }, /at most 2048/],
    [{ rsaBits: 1000 }, /multiple of 256 from 1024 to 2048/],
    [{ keyType: 'ec' as const, curve: 'P-521' as never }, /P-256 or P-384, not P-521/],
    [{ keyType: 'dsa' as never }, /rsa or ec, not dsa/],
    [{ commonName: 'has space' }, /CAPF common name must be/],
    [{ commonName: 'x'.repeat(65) }, /CAPF common name must be/],
    [{ commonName: '' }, /CAPF common name must be/],
    [{ organization: 'bad\nname' }, /organization must be 1–64 characters without control characters/],
    [{ organizationalUnit: '' }, /organizational unit must be/],
    [{ validityDays: 0 }, /from 1 to 3650, not 0/],
    [{ validityDays: 3651 }, /from 1 to 3650, not 3651/],
    [{ validityDays: 1.5 }, /whole number of days/],
    [{ now: new Date('nope') }, /not a valid date/],
  ])('%o', async (options, message) => {
    const attempt = generateCapfCa(options);
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(message);
  });
});

describe('createCapfCaCertificate', () => {
  it('refuses a key that does not fit a phone-facing TLS certificate or does not match the signer', async () => {
    const rsa3072 = keyPair({ type: 'rsa', bits: 3072 });
    await expect(createCapfCaCertificate(createSoftwareSigner(rsa3072.privateKey), spkiOf(rsa3072.publicKey))).rejects.toThrow(/1024–2048 bits .* not 3072/);
    const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    await expect(createCapfCaCertificate(createSoftwareSigner(p521.privateKey), spkiOf(p521.publicKey))).rejects.toThrow(/P-256 or P-384, not secp521r1/);
    const ec = keyPair({ type: 'ec', curve: 'P-256' });
    const rsa = keyPair({ type: 'rsa', bits: 2048 });
    await expect(createCapfCaCertificate(createSoftwareSigner(ec.privateKey), spkiOf(rsa.publicKey))).rejects.toThrow('CAPF public key is rsa but the signer signs with ec');
    await expect(createCapfCaCertificate(createSoftwareSigner(ec.privateKey), Uint8Array.of(1, 2, 3))).rejects.toThrow(/CAPF public key does not parse/);
  });

  it('signs with any CaSigner, e.g. one that keeps its key elsewhere', async () => {
    const { publicKey, privateKey } = keyPair({ type: 'ec', curve: 'P-256' });
    const remote = { keyType: 'ec' as const, sign: async (data: Uint8Array) => sign('sha256', data, privateKey) };
    const der = await createCapfCaCertificate(remote, spkiOf(publicKey), { commonName: 'CAPF-remote' });
    const x509 = new X509Certificate(der);
    expect(x509.verify(publicKey)).toBe(true);
    expect(x509.subject).toBe('CN=CAPF-remote');
  });
});

describe('isReservedCapfName', () => {
  it.each([
    ['CAPF-1a2b3c4d', true],
    ['capf-anything', true],
    ['  CAPF-padded', true],
    ['CAPF', false],
    ['CAPF_1', false],
    ['MyCAPF-1', false],
    ['', false],
  ])('%s → %s', (name, reserved) => {
    expect(isReservedCapfName(name)).toBe(reserved);
  });
});
