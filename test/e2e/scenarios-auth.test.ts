// docs/protocol.md §10 over real TLS on loopback: installs, keys and every authentication mode (rows 1–10, 14, 17–20, 25).
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { Opcode, Tag } from '../../shared/protocol/index.ts';
import { issueDeviceCertificate, makeManufacturingCa, makeRootAndIntermediate, type TestCa } from '../support/test-pki.ts';
import { opensslText, opensslVerify } from '../support/openssl.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

let t: TestStack;
let mic: TestCa;
let strangerCa: TestCa;

beforeAll(async () => {
  mic = await makeManufacturingCa('Test-Manufacturing-CA');
  strangerCa = await makeManufacturingCa('Unknown-CA');
  t = await startTestStack({ trustPem: [mic.certificatePem] });
});
afterAll(() => t.close());

const sent = (result: { transcript: Array<{ direction: string; opcode: number; tags: number[] }> }, opcode: number) =>
  result.transcript.filter((m) => m.direction === 'S' && m.opcode === opcode);

/** Installs an LSC with null auth and returns what the phone holds afterwards. */
async function installLsc(name: string, key: { keyOrder: 'rsa' | 'ec'; curve?: 'P-256' | 'P-384' | 'P-521' } = { keyOrder: 'rsa' }) {
  await t.setDevice({ name, operation: 'install', keyOrder: key.keyOrder, curve: key.curve ?? 'P-256' });
  const result = await t.phone(name);
  expect(result.endReason).toBe(1);
  return { certificatePem: result.certificatePem as string, privateKeyPem: result.privateKeyPem as string };
}

describe('§10 install and keys', () => {
  it('1: null-string install, RSA 2048, with IN_PROGRESS: END 1, LSC per profile, operation back to none', async () => {
    await t.setDevice({ name: 'SEP000000000001' });
    const result = await t.phone('SEP000000000001', { misbehave: { inProgressCount: 1 } });
    expect(result.endReason).toBe(1);
    expect(sent(result, Opcode.KeyGenerateRequest)[0]?.tags).toEqual([Tag.KeySize, Tag.KeyType]);
    const lsc = new X509Certificate(result.certificatePem as string);
    expect(lsc.subject.split('\n')[0]).toBe('CN=SEP000000000001');
    expect(lsc.issuer).toBe(new X509Certificate(t.caPem).subject);
    expect(lsc.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const text = opensslText(result.certificatePem as string);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text).toMatch(/Subject Key Identifier/);
    expect(text).toMatch(/Authority Key Identifier/);
    expect(opensslVerify(t.caPem, result.certificatePem as string)).toMatch(/OK/);
    const device = await t.stack.store.devices.get('SEP000000000001');
    expect(device).toMatchObject({ operation: 'none', status: 'success' });
    expect(device?.lsc?.serialHex).toBe(lsc.serialNumber.toLowerCase().replace(/^0+/, ''));
  });

  it.each(['P-256', 'P-384', 'P-521'] as const)('2: EC %s install: KEYGEN without KEY_SIZE, EC LSC, END 1', async (curve) => {
    const name = `SEP0000000002${['P-256', 'P-384', 'P-521'].indexOf(curve)}`;
    await t.setDevice({ name, keyOrder: 'ec', curve });
    const result = await t.phone(name);
    expect(result.endReason).toBe(1);
    expect(sent(result, Opcode.KeyGenerateRequest)[0]?.tags).toEqual([Tag.KeyType, Tag.Curve]);
    const key = new X509Certificate(result.certificatePem as string).publicKey;
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe({ 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' }[curve]);
  });

  it('2b: EC preferred with RSA backup: an RSA-only phone gets an RSA LSC in the same session', async () => {
    await t.setDevice({ name: 'SEP0000000002F', keyOrder: 'ec-rsa', rsaKeySize: 2048 });
    const result = await t.phone('SEP0000000002F', { supportsEc: false });
    expect(result.endReason).toBe(1);
    expect(sent(result, Opcode.KeyGenerateRequest)).toHaveLength(2);
    expect(new X509Certificate(result.certificatePem as string).publicKey.asymmetricKeyType).toBe('rsa');
  });

  it.each([0, 3])('3: install with %i REQUEST_IN_PROGRESS messages: END 1', async (count) => {
    const name = `SEP00000000030${count}`;
    await t.setDevice({ name });
    expect((await t.phone(name, { misbehave: { inProgressCount: count } })).endReason).toBe(1);
  });

  it('19: KEY_GENERATE_RESPONSE without PUBLIC_KEY: END 7, status failed, operation still pending', async () => {
    await t.setDevice({ name: 'SEP000000000019' });
    expect((await t.phone('SEP000000000019', { misbehave: { failKeygen: true } })).endReason).toBe(7);
    expect(await t.stack.store.devices.get('SEP000000000019')).toMatchObject({ operation: 'install', status: 'failed' });
  });

  it('25: a 512-bit RSA key size is refused when the device is set', async () => {
    await expect(t.setDevice({ name: 'SEP000000000025', rsaKeySize: 512 })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('§10 authentication', () => {
  it('4: authentication string correct / wrong / empty / missing', async () => {
    await t.setDevice({ name: 'SEP000000000004', authMode: 'auth-string', authString: '12345678' });
    for (const [auth, misbehave] of [
      [{ mode: 'password', password: '87654321' }, {}],
      [{ mode: 'password', password: '' }, {}],
      [{ mode: 'null' }, { omitPassword: true }],
    ] as const) {
      expect((await t.phone('SEP000000000004', { auth, misbehave })).endReason).toBe(7);
      expect(await t.stack.store.devices.get('SEP000000000004')).toMatchObject({ operation: 'install', status: 'failed' });
    }
    expect((await t.phone('SEP000000000004', { auth: { mode: 'password', password: '12345678' } })).endReason).toBe(1);
    // One-time use, like CUCM: the string is gone once the operation succeeded.
    expect((await t.stack.store.devices.get('SEP000000000004'))?.authString).toBeUndefined();
  });

  it('5: existing RSA LSC with raw PKCS#1 SHA-1 + SHA-512 proofs: install proceeds', async () => {
    const lsc = await installLsc('SEP000000000005');
    await t.setDevice({ name: 'SEP000000000005', authMode: 'lsc-precedence' });
    expect((await t.phone('SEP000000000005', { auth: { mode: 'certificate', ...lsc } })).endReason).toBe(1);
  });

  it('6: existing EC LSC with ECDSA proofs: install proceeds', async () => {
    const lsc = await installLsc('SEP000000000006', { keyOrder: 'ec' });
    await t.setDevice({ name: 'SEP000000000006', authMode: 'lsc-precedence', keyOrder: 'ec' });
    expect((await t.phone('SEP000000000006', { auth: { mode: 'certificate', ...lsc } })).endReason).toBe(1);
  });

  it('7: a MIC issued by a CA in CAPF-trust: install proceeds', async () => {
    const micCert = await issueDeviceCertificate(mic, 'SEP000000000007');
    await t.setDevice({ name: 'SEP000000000007', authMode: 'mic-precedence' });
    expect((await t.phone('SEP000000000007', { auth: { mode: 'certificate', ...micCert, certificateType: 2 } })).endReason).toBe(1);
  });

  it('8: corrupted signature / unknown issuer / SHA2 hashAlg ≠ 3 / no certificate: END 7', async () => {
    const micCert = await issueDeviceCertificate(mic, 'SEP000000000008');
    const stranger = await issueDeviceCertificate(strangerCa, 'SEP000000000008');
    await t.setDevice({ name: 'SEP000000000008', authMode: 'mic-precedence' });
    for (const corrupt of ['sha1', 'sha512'] as const) {
      expect((await t.phone('SEP000000000008', { auth: { mode: 'certificate', ...micCert }, misbehave: { corruptSignature: corrupt } })).endReason).toBe(7);
    }
    expect((await t.phone('SEP000000000008', { auth: { mode: 'certificate', ...stranger } })).endReason).toBe(7);
    expect((await t.phone('SEP000000000008', { auth: { mode: 'certificate', ...micCert }, misbehave: { sha2HashAlgorithm: 2 } })).endReason).toBe(7);
    expect((await t.stack.store.devices.get('SEP000000000008'))?.statusReason).toMatch(/hash algorithm 2 is not SHA-512/);
    expect((await t.phone('SEP000000000008', { auth: { mode: 'null' } })).endReason).toBe(7);
    expect((await t.stack.store.devices.get('SEP000000000008'))?.statusReason).toMatch(/needs .*sent none/);
  });

  it('9: SUDI over the little-endian session id proceeds; over the big-endian id it is refused', async () => {
    const micCert = await issueDeviceCertificate(mic, 'SEP000000000009');
    const sudi = await issueDeviceCertificate(mic, 'SEP000000000009');
    await t.setDevice({ name: 'SEP000000000009', authMode: 'mic-precedence' });
    const auth = { mode: 'certificate' as const, ...micCert, sudi };
    expect((await t.phone('SEP000000000009', { auth, misbehave: { sudiBigEndian: true } })).endReason).toBe(7);
    expect((await t.phone('SEP000000000009', { auth })).endReason).toBe(1);
  });

  it('10 ★: a valid LSC of ANOTHER device is refused', async () => {
    const other = await installLsc('SEP00000000010A');
    await t.setDevice({ name: 'SEP00000000010B', authMode: 'lsc-precedence' });
    expect((await t.phone('SEP00000000010B', { auth: { mode: 'certificate', ...other } })).endReason).toBe(7);
    expect((await t.stack.store.devices.get('SEP00000000010B'))?.statusReason).toMatch(/another device/);
  });

  it('14 ★: AUTH_RESPONSE with VERSION 2 (Jabber) is accepted', async () => {
    await t.setDevice({ name: 'CSF123' });
    expect((await t.phone('CSF123', { version: 2 })).endReason).toBe(1);
  });

  it('17 ★: unknown tags in AUTH_RESPONSE are skipped and logged', async () => {
    await t.setDevice({ name: 'SEP000000000017' });
    expect((await t.phone('SEP000000000017', { misbehave: { unknownTags: true } })).endReason).toBe(1);
    expect(t.logger.entries.some((e) => e.message === 'unknown-tags-skipped' && e.attributes.device === 'SEP000000000017')).toBe(true);
  });

  it('18 ★: STORE_CERTIFICATE_RESPONSE 7: END 7 and the LSC is not recorded', async () => {
    await t.setDevice({ name: 'SEP000000000018' });
    expect((await t.phone('SEP000000000018', { misbehave: { failStore: true } })).endReason).toBe(7);
    const device = await t.stack.store.devices.get('SEP000000000018');
    expect(device).toMatchObject({ operation: 'install', status: 'failed' });
    expect(device?.lsc).toBeUndefined();
  });
});

describe('§10 row 20 ★: a CAPF CA that is an intermediate', () => {
  it('the LSC names the intermediate as issuer and the chain verifies to the root', async () => {
    const pki = await makeRootAndIntermediate();
    const stack = await startTestStack({ files: { 'capf-ca.pem': pki.intermediatePem, 'capf-ca.key': pki.intermediateKeyPem } });
    try {
      await stack.setDevice({ name: 'SEP000000000020' });
      const result = await stack.phone('SEP000000000020', { caPem: pki.rootPem });
      expect(result.endReason).toBe(1);
      const lsc = new X509Certificate(result.certificatePem as string);
      expect(lsc.issuer).toBe(new X509Certificate(pki.intermediatePem).subject);
      expect(lsc.subject).toBe('CN=SEP000000000020\nO=Example\nOU=Voice');
      expect(opensslVerify(pki.rootPem, result.certificatePem as string, pki.intermediatePem)).toMatch(/OK/);
    } finally {
      await stack.close();
    }
  });
});
