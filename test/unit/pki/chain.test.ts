import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, ConfigError } from '../../../shared/errors.ts';
import { createCapfCaCertificate, generateCapfCa, type CapfCaMaterial } from '../../../shared/pki/capf-ca.ts';
import { certificateNamesDevice, verifyIssuedBy, type VerifyOptions } from '../../../shared/pki/chain.ts';
import { derToPem } from '../../../shared/pki/certificate.ts';
import { LscBuilder } from '../../../shared/pki/lsc.ts';
import { createSoftwareSigner } from '../../../shared/pki/software-signer.ts';
import { CA_EXTENSIONS, keyPair, libraryView, opensslCertificate, opensslRun, spkiOf, TempDir } from './support.ts';

const DEVICE = 'SEPAAAA00000001';
const DAY = 86_400_000;
const LEAF_EXTENSIONS = 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment';

const dir = new TempDir();
afterAll(() => dir.remove());

const phoneSpki = (): Uint8Array => spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);

function rejection(run: () => unknown): AuthenticationError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return err as AuthenticationError;
  }
  throw new Error('the certificate was accepted');
}

function hexes(ders: Uint8Array[]): string[] {
  return ders.map((der) => Buffer.from(der).toString('hex'));
}

/** openssl's opinion, to check ours against. */
function opensslAccepts(leaf: Uint8Array, root: Uint8Array, intermediates: Uint8Array[] = []): boolean {
  const args = ['verify', '-CAfile', dir.writePem('root.pem', root)];
  if (intermediates.length) args.push('-untrusted', dir.write('untrusted.pem', intermediates.map((der) => derToPem(der)).join('')));
  return opensslRun([...args, dir.writePem('leaf.pem', leaf)]).status === 0;
}

let capf: CapfCaMaterial;
let capfBuilder: LscBuilder;
let lsc: Uint8Array;
beforeAll(async () => {
  capf = await generateCapfCa({ keyType: 'ec', organization: 'CAPF' });
  capfBuilder = new LscBuilder(capf.certificateDer, createSoftwareSigner(createPrivateKey(capf.privateKeyPem)));
  lsc = await capfBuilder.build({ deviceName: DEVICE, spkiDer: phoneSpki(), validityDays: 30 });
});

describe('verifyIssuedBy: direct issuance', () => {
  it('accepts an LSC issued by a trusted CAPF certificate', () => {
    const other = opensslCertificate(dir, { subject: 'CN = Unrelated Root', privateKey: keyPair({ type: 'rsa', bits: 2048 }).privateKey, extensions: CA_EXTENSIONS });
    const { anchor, path } = verifyIssuedBy(lsc, [other, capf.certificateDer]);
    expect(Buffer.from(anchor).equals(capf.certificateDer)).toBe(true);
    expect(hexes(path)).toEqual(hexes([lsc, capf.certificateDer]));
  });

  it('refuses a certificate with no trusted issuer, naming the issuer it wanted', async () => {
    const stranger = await generateCapfCa({ keyType: 'ec', commonName: 'CAPF-stranger' });
    const error = rejection(() => verifyIssuedBy(lsc, [stranger.certificateDer]));
    expect(error.code).toBe('UNTRUSTED_CERTIFICATE');
    expect(error.message).toMatch(/^certificate is not trusted: no trusted issuer named "CN=CAPF-[0-9a-f]{8}, O=CAPF"$/);
    expect(rejection(() => verifyIssuedBy(lsc, [])).code).toBe('UNTRUSTED_CERTIFICATE');
  });

  it('refuses a certificate whose signature does not verify', () => {
    const forged = Buffer.from(lsc);
    forged[forged.length - 5]! ^= 0x01; // inside the ECDSA signature value
    const error = rejection(() => verifyIssuedBy(forged, [capf.certificateDer]));
    expect(error.message).toMatch(/signature by "CN=CAPF-[0-9a-f]{8}, O=CAPF" does not verify$/);
    expect(opensslAccepts(forged, capf.certificateDer)).toBe(false);
  });

  it('refuses a certificate issued under the same name by another key', async () => {
    const name = new X509Certificate(capf.certificateDer).subject;
    const cn = name.split('\n')[0]!.slice(3);
    const impostor = await generateCapfCa({ keyType: 'ec', commonName: cn, organization: 'CAPF' });
    const impostorLsc = await new LscBuilder(impostor.certificateDer, createSoftwareSigner(createPrivateKey(impostor.privateKeyPem))).build({ deviceName: DEVICE, spkiDer: phoneSpki(), validityDays: 1 });
    rejection(() => verifyIssuedBy(impostorLsc, [capf.certificateDer]));
    expect(opensslAccepts(impostorLsc, capf.certificateDer)).toBe(false);
  });

  it('refuses bytes that are not a certificate, and a broken trust store', () => {
    expect(rejection(() => verifyIssuedBy(Uint8Array.of(0x30, 0x00), [capf.certificateDer])).code).toBe('BAD_CERTIFICATE');
    expect(() => verifyIssuedBy(lsc, [Uint8Array.of(1)])).toThrow(ConfigError);
    expect(() => verifyIssuedBy(lsc, [Uint8Array.of(1)])).toThrow(/^trust anchor 0 does not parse/);
    expect(() => verifyIssuedBy(lsc, new Array<Uint8Array>(257).fill(capf.certificateDer))).toThrow('more than 256 trust anchors');
    const many = new Array<Uint8Array>(17).fill(capf.certificateDer);
    expect(rejection(() => verifyIssuedBy(lsc, [capf.certificateDer], { intermediatesDer: many })).message).toBe('more than 16 intermediate certificates');
  });
});

describe('verifyIssuedBy: a trust set reused across calls', () => {
  it('gives the same answers on every call, and an anchor buffer given as an intermediate is still not trusted', () => {
    const anchors = [capf.certificateDer];
    for (let round = 0; round < 3; round++) {
      expect(hexes(verifyIssuedBy(lsc, anchors).path)).toEqual(hexes([lsc, capf.certificateDer]));
      expect(rejection(() => verifyIssuedBy(lsc, [], { intermediatesDer: anchors })).code).toBe('UNTRUSTED_CERTIFICATE');
      expect(() => verifyIssuedBy(lsc, [Uint8Array.of(1)])).toThrow(/^trust anchor 0 does not parse/);
    }
  });
});

describe('verifyIssuedBy: validity', () => {
  it('refuses an expired or not yet valid certificate unless told not to check', async () => {
    const old = await capfBuilder.build({ deviceName: DEVICE, spkiDer: phoneSpki(), validityDays: 1, now: new Date(Date.now() - 3 * DAY) });
    const expired = rejection(() => verifyIssuedBy(old, [capf.certificateDer], { now: new Date() }));
    expect(expired.code).toBe('CERTIFICATE_NOT_VALID');
    expect(expired.message).toMatch(/^certificate expired at \d{4}-/);
    // An expired MIC may still be accepted when the caller chooses to (docs/protocol.md §4.2).
    expect(verifyIssuedBy(old, [capf.certificateDer], { checkValidity: false }).path).toHaveLength(2);
    const early = rejection(() => verifyIssuedBy(lsc, [capf.certificateDer], { now: new Date(Date.now() - 2 * DAY) }));
    expect(early.message).toMatch(/^certificate is not valid before /);
  });

  it('checks the issuers too', async () => {
    const start = new Date('2020-01-01T00:00:00Z');
    // An LSC never outlives its CA (LscBuilder caps it), so this leaf comes from a longer-lived CA with the same key.
    const longLived = await generateCapfCa({ keyType: 'ec', commonName: 'CAPF-5a5a5a5a', validityDays: 3650, now: start });
    const signer = createSoftwareSigner(createPrivateKey(longLived.privateKeyPem));
    const publicKeyDer = new Uint8Array(createPublicKey(longLived.privateKeyPem).export({ type: 'spki', format: 'der' }));
    const sameKeyShortLived = await createCapfCaCertificate(signer, publicKeyDer, { commonName: 'CAPF-5a5a5a5a', validityDays: 1, now: start });
    const leaf = await new LscBuilder(longLived.certificateDer, createSoftwareSigner(createPrivateKey(longLived.privateKeyPem))).build({ deviceName: DEVICE, spkiDer: phoneSpki(), validityDays: 365, now: start });
    const options: VerifyOptions = { now: new Date('2020-06-01T00:00:00Z') };
    expect(rejection(() => verifyIssuedBy(leaf, [sameKeyShortLived], options)).message).toMatch(/^certificate is not trusted: issuer "CN=CAPF-[0-9a-f]{8}" expired at 2020-01-02T00:00:00.000Z$/);
    expect(verifyIssuedBy(leaf, [sameKeyShortLived], { ...options, checkValidity: false }).path).toHaveLength(2);
    expect(verifyIssuedBy(leaf, [sameKeyShortLived], { now: new Date('2020-01-01T12:00:00Z') }).path).toHaveLength(2);
  });
});

describe('verifyIssuedBy: paths through intermediates', () => {
  const rootKey = () => keyPair({ type: 'rsa', bits: 2048 }).privateKey;
  const caKey = () => keyPair({ type: 'ec', curve: 'P-384' }).privateKey;
  let root: Uint8Array;
  let first: Uint8Array; // root → first (no path length limit)
  let second: Uint8Array; // first → second (pathlen 0)
  let third: Uint8Array; // second → third: second may not issue CAs, so any path through third breaks pathlen
  let leafOfFirst: Uint8Array;
  let leafOfSecond: Uint8Array;
  let leafOfThird: Uint8Array;
  beforeAll(async () => {
    root = opensslCertificate(dir, { subject: 'C = NZ\nCN = Test Root', privateKey: rootKey(), extensions: CA_EXTENSIONS });
    first = opensslCertificate(dir, { subject: 'CN = First CA', privateKey: caKey(), extensions: CA_EXTENSIONS, issuer: { der: root, privateKey: rootKey() } });
    second = opensslCertificate(dir, { subject: 'CN = Second CA', privateKey: caKey(), extensions: CA_EXTENSIONS.replace('CA:TRUE', 'CA:TRUE, pathlen:0'), issuer: { der: first, privateKey: caKey() } });
    third = opensslCertificate(dir, { subject: 'CN = Third CA', privateKey: caKey(), extensions: CA_EXTENSIONS, issuer: { der: second, privateKey: caKey() } });
    const build = (issuer: Uint8Array): Promise<Uint8Array> => new LscBuilder(issuer, createSoftwareSigner(caKey())).build({ deviceName: DEVICE, spkiDer: phoneSpki(), validityDays: 5 });
    [leafOfFirst, leafOfSecond, leafOfThird] = await Promise.all([build(first), build(second), build(third)]);
  });

  it('builds leaf → intermediate(s) → anchor from the untrusted intermediates given', () => {
    expect(hexes(verifyIssuedBy(leafOfFirst, [root], { intermediatesDer: [first] }).path)).toEqual(hexes([leafOfFirst, first, root]));
    expect(opensslAccepts(leafOfFirst, root, [first])).toBe(true);
    // Order of the intermediates does not matter; unrelated ones are skipped.
    const { path } = verifyIssuedBy(leafOfSecond, [root], { intermediatesDer: [capf.certificateDer, second, first] });
    expect(hexes(path)).toEqual(hexes([leafOfSecond, second, first, root]));
    expect(opensslAccepts(leafOfSecond, root, [first, second])).toBe(true);
  });

  it('stops at an intermediate that is itself trusted', () => {
    expect(hexes(verifyIssuedBy(leafOfSecond, [root, first], { intermediatesDer: [second] }).path)).toEqual(hexes([leafOfSecond, second, first]));
  });

  it('refuses when an intermediate is missing', () => {
    expect(rejection(() => verifyIssuedBy(leafOfSecond, [root], { intermediatesDer: [second] })).message).toBe('certificate is not trusted: no trusted issuer named "CN=First CA"');
    expect(opensslAccepts(leafOfSecond, root, [second])).toBe(false);
  });

  it('honours pathlen:0 and the four-certificate bound', () => {
    // leaf → third → second(pathlen 0) → first → root: second has a CA below it, and the path has five certificates.
    const error = rejection(() => verifyIssuedBy(leafOfThird, [root], { intermediatesDer: [first, second, third] }));
    expect(error.message).toMatch(/allows a path length of 0 only|no path of at most 4 certificates/);
    expect(opensslAccepts(leafOfThird, root, [first, second, third])).toBe(false);
    // With second trusted directly, pathlen 0 is still violated by third.
    expect(rejection(() => verifyIssuedBy(leafOfThird, [second], { intermediatesDer: [third] })).message).toBe('certificate is not trusted: issuer "CN=Second CA" allows a path length of 0 only');
    // And with third trusted, the leaf is fine.
    expect(verifyIssuedBy(leafOfThird, [third]).path).toHaveLength(2);
  });

  it('refuses a path longer than four certificates even when every constraint allows it', async () => {
    const key = caKey();
    const a = opensslCertificate(dir, { subject: 'CN = Chain A', privateKey: key, extensions: CA_EXTENSIONS, issuer: { der: root, privateKey: rootKey() } });
    const b = opensslCertificate(dir, { subject: 'CN = Chain B', privateKey: key, extensions: CA_EXTENSIONS, issuer: { der: a, privateKey: key } });
    const c = opensslCertificate(dir, { subject: 'CN = Chain C', privateKey: key, extensions: CA_EXTENSIONS, issuer: { der: b, privateKey: key } });
    const leaf = await new LscBuilder(c, createSoftwareSigner(key)).build({ deviceName: DEVICE, spkiDer: phoneSpki(), validityDays: 5 });
    expect(opensslAccepts(leaf, root, [a, b, c])).toBe(true);
    expect(rejection(() => verifyIssuedBy(leaf, [root], { intermediatesDer: [a, b, c] })).message).toBe('certificate is not trusted: no path of at most 4 certificates reaches a trust anchor');
    expect(verifyIssuedBy(leaf, [a], { intermediatesDer: [b, c] }).path).toHaveLength(4);
  });

  it('refuses an issuer that is not a CA', () => {
    const key = caKey();
    const notCa = opensslCertificate(dir, { subject: 'CN = Not A CA', privateKey: key, extensions: LEAF_EXTENSIONS.replace(', keyEncipherment', ', keyCertSign'), issuer: { der: root, privateKey: rootKey() } });
    const leaf = opensslCertificate(dir, { subject: `CN = ${DEVICE}`, privateKey: keyPair({ type: 'ec', curve: 'P-256' }).privateKey, extensions: LEAF_EXTENSIONS, issuer: { der: notCa, privateKey: key } });
    expect(rejection(() => verifyIssuedBy(leaf, [root], { intermediatesDer: [notCa] })).message).toBe('certificate is not trusted: issuer "CN=Not A CA" is not a CA certificate');
    expect(rejection(() => verifyIssuedBy(leaf, [notCa])).message).toBe('certificate is not trusted: issuer "CN=Not A CA" is not a CA certificate');
    expect(opensslAccepts(leaf, root, [notCa])).toBe(false);
  });

  it('accepts a legacy anchor without BasicConstraints, but not such an intermediate', () => {
    const key = caKey();
    const legacy = opensslCertificate(dir, { subject: 'CN = Legacy Root', privateKey: key, extensions: 'subjectKeyIdentifier = hash' });
    expect(libraryView(legacy).extensionIds).toEqual(['2.5.29.14']);
    const leaf = opensslCertificate(dir, { subject: `CN = ${DEVICE}`, privateKey: keyPair({ type: 'ec', curve: 'P-256' }).privateKey, extensions: LEAF_EXTENSIONS, issuer: { der: legacy, privateKey: key } });
    expect(verifyIssuedBy(leaf, [legacy]).path).toHaveLength(2);
    expect(rejection(() => verifyIssuedBy(leaf, [root], { intermediatesDer: [legacy] })).message).toMatch(/no trusted issuer|is not a CA certificate/);
  });
});

describe('certificateNamesDevice', () => {
  const make = (subject: string, extra = ''): Uint8Array =>
    opensslCertificate(dir, { subject, privateKey: keyPair({ type: 'ec', curve: 'P-256' }).privateKey, extensions: `${LEAF_EXTENSIONS}\n${extra}` });

  it('matches the CN and SAN URI of an LSC', () => {
    expect(certificateNamesDevice(lsc, DEVICE)).toBe(true);
    expect(certificateNamesDevice(lsc, 'SEPAAAA00000002')).toBe(false);
    expect(certificateNamesDevice(lsc, 'sepaaaa00000001')).toBe(false);
  });

  it('matches a MIC CN of the form <model>-SEP<MAC> for that phone only', () => {
    const mic = make('CN = CP-8865-SEP001122334455\nO = Cisco Systems Inc.');
    expect(certificateNamesDevice(mic, 'SEP001122334455')).toBe(true);
    expect(certificateNamesDevice(mic, 'SEP001122334466')).toBe(false);
    expect(certificateNamesDevice(make('CN = CP-8865SEP001122334455'), 'SEP001122334455')).toBe(false);
    // The suffix rule is for hardware names only: a soft client must match exactly.
    expect(certificateNamesDevice(make('CN = team-CSFjsmith'), 'CSFjsmith')).toBe(false);
  });

  it('matches a SAN DNS or URI entry, and nothing else', () => {
    expect(certificateNamesDevice(make('CN = someone', 'subjectAltName = DNS:CSFjsmith'), 'CSFjsmith')).toBe(true);
    expect(certificateNamesDevice(make('CN = someone', 'subjectAltName = URI:BOTjsmith'), 'BOTjsmith')).toBe(true);
    expect(certificateNamesDevice(make('CN = someone', 'subjectAltName = email:CSFjsmith@example.com'), 'CSFjsmith')).toBe(false);
    expect(certificateNamesDevice(make('O = SEP001122334455'), 'SEP001122334455')).toBe(false);
  });
});
