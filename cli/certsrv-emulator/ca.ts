// The emulator's certification authority: an RSA root generated at start-up that really signs the CSRs it accepts,
// the HTTPS certificates IIS presents (good, wrong name, self-signed, unknown issuer, expired) and PKCS#7 chains.
// Built on WebCrypto + @peculiar/x509 (independently of the client's own certificate code, so the two check each other).
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';

const RSA_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const DAY_MS = 86_400_000;
/** Microsoft's "Certificate Template Name" extension (szOID_ENROLL_CERTTYPE_EXTENSION), a BMPString. */
const CERTIFICATE_TEMPLATE_NAME_OID = '1.3.6.1.4.1.311.20.2';

export type TlsCertificateKind = 'valid' | 'hostname-mismatch' | 'self-signed' | 'unknown-issuer' | 'expired';

export interface KeyedCertificate {
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface TlsMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

export interface IssueProfile {
  templateName: string;
  validityDays: number;
  keyEncipherment: boolean;
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(RSA_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function randomSerial(): string {
  // Positive 16-byte serial, like AD CS's random serials.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return Buffer.from(bytes).toString('hex');
}

function bmpString(text: string): Uint8Array {
  const content = Buffer.from(text, 'utf16le').swap16();
  if (content.length > 127) throw new Error(`template name too long for the emulator: ${text}`);
  return Uint8Array.from([0x1e, content.length, ...content]);
}

async function createRoot(commonName: string): Promise<KeyedCertificate> {
  const keys = await generateKeys();
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName}, DC=corp, DC=capf, DC=test`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    signingAlgorithm: RSA_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate, keys };
}

async function privateKeyPem(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

/** The emulator CA plus the lazily made TLS certificate variants. */
export class EmulatorCa {
  private readonly tlsVariants = new Map<TlsCertificateKind, Promise<TlsMaterial>>();
  private otherRoot?: Promise<KeyedCertificate>;

  private constructor(
    readonly root: KeyedCertificate,
    private readonly hostname: string,
  ) {}

  static async create(caName: string, hostname: string): Promise<EmulatorCa> {
    return new EmulatorCa(await createRoot(caName), hostname);
  }

  get certificatePem(): string {
    return this.root.certificate.toString('pem');
  }

  get certificateDer(): Uint8Array {
    return new Uint8Array(this.root.certificate.rawData);
  }

  /** The HTTPS certificate and key for one TLS scenario (generated on first use). */
  tlsMaterial(kind: TlsCertificateKind): Promise<TlsMaterial> {
    let material = this.tlsVariants.get(kind);
    if (!material) {
      material = this.makeTlsMaterial(kind);
      this.tlsVariants.set(kind, material);
    }
    return material;
  }

  private async makeTlsMaterial(kind: TlsCertificateKind): Promise<TlsMaterial> {
    const keys = await generateKeys();
    const name = kind === 'hostname-mismatch' ? `wrong-host.${this.hostname}` : this.hostname;
    const now = Date.now();
    const notBefore = new Date(now - (kind === 'expired' ? 400 : 1) * DAY_MS);
    const notAfter = new Date(kind === 'expired' ? now - 30 * DAY_MS : now + 365 * DAY_MS);
    const extensions = [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }]),
    ];
    let certificate: x509.X509Certificate;
    if (kind === 'self-signed') {
      certificate = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(), name: `CN=${name}`, notBefore, notAfter, signingAlgorithm: RSA_ALGORITHM, keys, extensions,
      });
    } else {
      const issuer = kind === 'unknown-issuer' ? await (this.otherRoot ??= createRoot('Unrelated Lab Root CA')) : this.root;
      certificate = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: `CN=${name}`,
        issuer: issuer.certificate.subjectName,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
        signingAlgorithm: RSA_ALGORITHM,
        extensions,
      });
    }
    return { certificatePem: certificate.toString('pem'), privateKeyPem: await privateKeyPem(keys) };
  }

  /** Signs a verified CSR the way an AD CS enterprise CA applies a template: subject and key from the CSR. */
  async issue(csr: x509.Pkcs10CertificateRequest, profile: IssueProfile): Promise<x509.X509Certificate> {
    const now = Date.now();
    const usages = x509.KeyUsageFlags.digitalSignature | (profile.keyEncipherment ? x509.KeyUsageFlags.keyEncipherment : 0);
    return x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: csr.subjectName,
      issuer: this.root.certificate.subjectName,
      // AD CS backdates notBefore by ten minutes to absorb clock skew.
      notBefore: new Date(now - 10 * 60_000),
      notAfter: new Date(now + profile.validityDays * DAY_MS),
      publicKey: csr.publicKey,
      signingKey: this.root.keys.privateKey,
      signingAlgorithm: RSA_ALGORITHM,
      extensions: [
        new x509.Extension(CERTIFICATE_TEMPLATE_NAME_OID, false, bmpString(profile.templateName)),
        new x509.KeyUsagesExtension(usages, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.root.certificate),
      ],
    });
  }

  /** A certs-only PKCS#7 SignedData (DER) holding `certificates` followed by the CA certificate. */
  chainPkcs7(certificates: x509.X509Certificate[] = []): Buffer {
    return Buffer.from(new x509.X509Certificates([...certificates, this.root.certificate]).export('raw'));
  }
}

/** Parses a CSR from what a browser form posts: PEM with or without armour, line breaks optional. */
export function parseSubmittedCsr(text: string): x509.Pkcs10CertificateRequest | undefined {
  const body = text
    .replace(/-----(BEGIN|END) (NEW )?CERTIFICATE REQUEST-----/g, '')
    .replace(/[\s\r\n]+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  try {
    return new x509.Pkcs10CertificateRequest(Buffer.from(body, 'base64'));
  } catch {
    return undefined;
  }
}

/** The RSA modulus size of a CSR's key, or undefined for other key types. */
export function rsaKeyBits(csr: x509.Pkcs10CertificateRequest): number | undefined {
  const algorithm = csr.publicKey.algorithm as webcrypto.RsaHashedKeyAlgorithm;
  return algorithm.name.startsWith('RSA') ? algorithm.modulusLength : undefined;
}
