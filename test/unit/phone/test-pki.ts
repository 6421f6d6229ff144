// Certificates for the phone tests: a CAPF-style CA (self-signed, CA:TRUE pathlen 0, the TLS server certificate of the
// scripted server) and certificates it issues for a given public key.
import 'reflect-metadata';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { webCryptoSigningKeys, x509Crypto } from '../../../cli/phone/phone-keys.ts';

export interface TestCa {
  certificatePem: string;
  privateKeyPem: string;
  certificate: x509.X509Certificate;
  privateKey: KeyObject;
}

export interface TestCredential {
  certificatePem: string;
  privateKeyPem: string;
  certificateDer: Buffer;
  privateKey: KeyObject;
}

export async function makeCa(commonName = 'CAPF-5eed0001'): Promise<TestCa> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { keys, signingAlgorithm } = await webCryptoSigningKeys(privateKey);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
      name: [{ CN: [commonName] }],
      keys,
      signingAlgorithm,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      ],
    },
    x509Crypto,
  );
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certificate,
    privateKey,
  };
}

/** An LSC-like leaf for `spkiDer`, signed by the CA. */
export async function issueCertificate(ca: TestCa, spkiDer: Uint8Array, commonName: string): Promise<Buffer> {
  const { keys, signingAlgorithm } = await webCryptoSigningKeys(ca.privateKey);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '2'),
      subject: [{ CN: [commonName] }],
      issuer: ca.certificate.subject,
      publicKey: spkiDer,
      signingKey: keys.privateKey,
      signingAlgorithm,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
    },
    x509Crypto,
  );
  return Buffer.from(certificate.rawData);
}

/** A fresh key and a certificate for it (an LSC, MIC or SUDI for certificate authentication). */
export async function makeCredential(ca: TestCa, keyType: 'rsa' | 'ec', commonName: string): Promise<TestCredential> {
  const { privateKey, publicKey } =
    keyType === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certificateDer = await issueCertificate(ca, publicKey.export({ type: 'spki', format: 'der' }), commonName);
  return {
    certificatePem: new x509.X509Certificate(certificateDer).toString('pem'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certificateDer,
    privateKey,
  };
}
