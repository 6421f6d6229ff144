// Certificates that tests need besides the CAPF CA: a stand-in manufacturing root that issues MICs and SUDI
// certificates, and a root + intermediate pair for a CAPF CA that is not self-signed (scenario 20).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { createSoftwareSigner, derToPem, generateCapfCa, LscBuilder } from '../../shared/pki/index.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TestCa {
  certificatePem: string;
  certificateDer: Uint8Array;
  builder: LscBuilder;
}

export async function makeManufacturingCa(commonName = 'Test-Manufacturing-CA'): Promise<TestCa> {
  const ca = await generateCapfCa({ commonName });
  return { certificatePem: ca.certificatePem, certificateDer: ca.certificateDer, builder: new LscBuilder(ca.certificateDer, createSoftwareSigner(createPrivateKey(ca.privateKeyPem))) };
}

/** A certificate with its key, as a phone holds an LSC, MIC or SUDI. */
export async function issueDeviceCertificate(ca: TestCa, deviceName: string, key: { type: 'rsa'; bits: number } | { type: 'ec'; curve: string } = { type: 'rsa', bits: 2048 }) {
  const pair = key.type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: key.bits }) : generateKeyPairSync('ec', { namedCurve: key.curve });
  const der = await ca.builder.build({ deviceName, spkiDer: pair.publicKey.export({ type: 'spki', format: 'der' }), validityDays: 365 });
  return { certificatePem: derToPem(der), privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

const RSA_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };

/** A root CA and an intermediate CAPF CA under it; the intermediate's key comes out as PKCS#8 PEM. */
export async function makeRootAndIntermediate(): Promise<{ rootPem: string; intermediatePem: string; intermediateKeyPem: string }> {
  const rootKeys = (await webcrypto.subtle.generateKey(RSA_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const intermediateKeys = (await webcrypto.subtle.generateKey(RSA_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = new Date(Date.now() - 60_000);
  const later = new Date(Date.now() + 365 * 86_400_000);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Test Enterprise Root, O=Example',
    notBefore: now,
    notAfter: later,
    keys: rootKeys,
    signingAlgorithm: RSA_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=CAPF-intermediate, O=Example, OU=Voice',
    issuer: root.subject,
    notBefore: now,
    notAfter: later,
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: RSA_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.keyEncipherment, true),
      await x509.SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', intermediateKeys.privateKey));
  return {
    rootPem: root.toString('pem'),
    intermediatePem: intermediate.toString('pem'),
    intermediateKeyPem: derToPem(pkcs8, 'PRIVATE KEY'),
  };
}
