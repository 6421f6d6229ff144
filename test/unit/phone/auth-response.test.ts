// AUTH_RESPONSE as the simulated phone puts it on the wire: the §9 bytes, the element order, and proofs of possession
// that a server can check with node:crypto (raw PKCS#1 digests, ECDSA, SUDI over the little-endian session id).
import { constants, createHash, publicDecrypt, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../../shared/model.ts';
import { authenticate, certificateAuthData, Opcode, sudiSignedData, type MessageFields } from '../../../shared/protocol/index.ts';
import { DEVICE, asciiHex, greet, hex, runPhoneAgainst } from './phone-harness.ts';
import type { ReceivedFrame } from './scripted-server.ts';
import { makeCa, makeCredential, type TestCa, type TestCredential } from './test-pki.ts';

let ca: TestCa;
let rsaLsc: TestCredential;
let ecLsc: TestCredential;
let sudi: TestCredential;

beforeAll(async () => {
  ca = await makeCa();
  rsaLsc = await makeCredential(ca, 'rsa', DEVICE);
  ecLsc = await makeCredential(ca, 'ec', DEVICE);
  sudi = await makeCredential(ca, 'rsa', 'SUDI-AAAA00000001');
});

/** Plays AUTH_REQUEST → AUTH_RESPONSE → END_SESSION 0 and returns what the phone sent. */
async function captureAuthResponse(sessionId: number, options: Parameters<typeof runPhoneAgainst>[2] = {}) {
  let frame: ReceivedFrame | undefined;
  const result = await runPhoneAgainst(
    ca,
    async (connection) => {
      frame = await greet(connection, sessionId);
      connection.endSession(sessionId, 0);
    },
    options,
  );
  if (!frame) throw new Error('no AUTH_RESPONSE captured');
  return { frame, result };
}

/** The raw digest inside an RSA raw-PKCS#1 signature, or undefined when the signature does not open. */
function recoveredDigest(publicKey: KeyObject, signature: Uint8Array): Buffer | undefined {
  try {
    return publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return undefined;
  }
}

function digest(hash: 'sha1' | 'sha512', data: Buffer): Buffer {
  return createHash(hash).update(data).digest();
}

function authData(certificateDer: Buffer): Buffer {
  return Buffer.concat([Buffer.from(DEVICE), Buffer.of(0), certificateDer]);
}

/** What a server has: the public key of the certificate the phone presented. */
function publicKeyOf(credential: TestCredential): KeyObject {
  return new X509Certificate(credential.certificateDer).publicKey;
}

function proofs(fields: MessageFields): { sha1: Uint8Array; sha512: Uint8Array } {
  expect(fields.sha2SignedData?.hashAlgorithm).toBe(3);
  return { sha1: fields.signedData ?? new Uint8Array(), sha512: fields.sha2SignedData?.signature ?? new Uint8Array() };
}

describe('AUTH_RESPONSE on the wire', () => {
  it('null authentication is byte-exact with §9 and the session ends with reason 0', async () => {
    const { frame, result } = await captureAuthResponse(1);
    expect(frame.raw.toString('hex')).toBe(hex(`55 02 00000001 001f | 01 0001 01 | 07 0001 03 | 0d 0010 ${asciiHex(DEVICE)}00 | 0b 0001 00`).toString('hex'));
    expect(result).toMatchObject({ sessionId: 1, endReason: 0, closedWithoutEnd: false, operation: 'none' });
    expect(result.error).toBeUndefined();
    expect(result.transcript).toEqual([
      { direction: 'S', opcode: Opcode.AuthRequest, name: 'AuthRequest', sessionId: 1, tags: [7, 8] },
      { direction: 'P', opcode: Opcode.AuthResponse, name: 'AuthResponse', sessionId: 1, tags: [1, 7, 13, 11] },
      { direction: 'S', opcode: Opcode.EndSession, name: 'EndSession', sessionId: 1, tags: [1] },
    ]);
  });

  it('password 1234 goes in PASSWORD as 0b 0005 31 32 33 34 00', async () => {
    const { frame } = await captureAuthResponse(7, { auth: { mode: 'password', password: '1234' } });
    expect(frame.raw.toString('hex')).toBe(
      hex(`55 02 00000007 0023 | 01 0001 01 | 07 0001 03 | 0d 0010 ${asciiHex(DEVICE)}00 | 0b 0005 31 32 33 34 00`).toString('hex'),
    );
  });

  it('version 2 answers like Jabber in the CUCM capture', async () => {
    const { frame } = await captureAuthResponse(3, { version: 2, deviceName: 'CSF123' });
    expect(frame.raw.subarray(8).toString('hex')).toBe(hex(`07 0001 02 | 0d 0007 ${asciiHex('CSF123')}00 | 01 0001 01`).toString('hex'));
  });

  it('omitPassword leaves PASSWORD out; unknownTags adds tags 19 and 99 at the end', async () => {
    const omitted = await captureAuthResponse(2, { misbehave: { omitPassword: true } });
    expect(omitted.frame.message.elements.map((e) => e.tag)).toEqual([1, 7, 13]);
    const extra = await captureAuthResponse(2, { misbehave: { unknownTags: true } });
    expect(extra.frame.message.elements.map((e) => e.tag)).toEqual([1, 7, 13, 11, 19, 99]);
    expect(extra.frame.fields.unknownTags).toEqual([99]);
  });
});

describe('certificate authentication (§4.3, §4.4)', () => {
  it('RSA LSC: raw SHA-1 and SHA-512 digests under PKCS#1 type 1, SUDI over the little-endian session id', async () => {
    const sessionId = 0x01020304;
    const { frame, result } = await captureAuthResponse(sessionId, { auth: { mode: 'certificate', ...rsaLsc, sudi } });
    expect(result.endReason).toBe(0);
    const { elements } = frame.message;
    expect(elements.map((e) => e.tag)).toEqual([1, 7, 13, 11, 4, 6, 20, 16]);
    expect(elements.map((e) => e.value.length)).toEqual([1, 1, 16, 1, 5 + rsaLsc.certificateDer.length, 256, 259, 9 + sudi.certificateDer.length + 512]);
    const certificate = Buffer.from(elements[4]?.value ?? []);
    expect(certificate.subarray(0, 5).toString('hex')).toBe(`01${(rsaLsc.certificateDer.length + 2).toString(16).padStart(4, '0')}0001`);
    expect(certificate.subarray(5).equals(rsaLsc.certificateDer)).toBe(true);
    expect(Buffer.from(elements[6]?.value ?? []).subarray(0, 3).toString('hex')).toBe('030100');

    const { sha1, sha512 } = proofs(frame.fields);
    const data = authData(rsaLsc.certificateDer);
    expect(recoveredDigest(publicKeyOf(rsaLsc), sha1)?.equals(digest('sha1', data))).toBe(true);
    expect(recoveredDigest(publicKeyOf(rsaLsc), sha512)?.equals(digest('sha512', data))).toBe(true);

    const sudiData = frame.fields.sudi;
    expect([sudiData?.certificate.kind, sudiData?.sha1Signature.kind, sudiData?.sha2Signature.kind]).toEqual([0, 1, 3]);
    expect(Buffer.from(sudiData?.certificate.data ?? []).equals(sudi.certificateDer)).toBe(true);
    const signed = Buffer.concat([hex('04 03 02 01'), sudi.certificateDer]);
    expect(recoveredDigest(publicKeyOf(sudi), sudiData?.sha1Signature.data ?? new Uint8Array())?.equals(digest('sha1', signed))).toBe(true);
    expect(recoveredDigest(publicKeyOf(sudi), sudiData?.sha2Signature.data ?? new Uint8Array())?.equals(digest('sha512', signed))).toBe(true);
  });

  it('sudiBigEndian signs over the big-endian id, which the little-endian check refuses', async () => {
    const sessionId = 0x01020304;
    const { frame } = await captureAuthResponse(sessionId, { auth: { mode: 'certificate', ...rsaLsc, sudi }, misbehave: { sudiBigEndian: true } });
    const signature = frame.fields.sudi?.sha1Signature.data ?? new Uint8Array();
    const recovered = recoveredDigest(publicKeyOf(sudi), signature);
    expect(recovered?.equals(digest('sha1', Buffer.concat([hex('01 02 03 04'), sudi.certificateDer])))).toBe(true);
    expect(recovered?.equals(digest('sha1', Buffer.concat([hex('04 03 02 01'), sudi.certificateDer])))).toBe(false);
  });

  it('EC LSC: ECDSA-SHA1 and ECDSA-SHA512 in DER', async () => {
    const { frame } = await captureAuthResponse(5, { auth: { mode: 'certificate', ...ecLsc } });
    expect(frame.message.elements.map((e) => e.tag)).toEqual([1, 7, 13, 11, 4, 6, 20]);
    const { sha1, sha512 } = proofs(frame.fields);
    const data = authData(ecLsc.certificateDer);
    expect(sha1[0]).toBe(0x30); // DER Ecdsa-Sig-Value
    expect(verify('sha1', data, { key: publicKeyOf(ecLsc), dsaEncoding: 'der' }, sha1)).toBe(true);
    expect(verify('sha512', data, { key: publicKeyOf(ecLsc), dsaEncoding: 'der' }, sha512)).toBe(true);
  });

  it.each([
    ['sha1', [false, true]],
    ['sha512', [true, false]],
    [true, [false, false]],
  ] as const)('corruptSignature %s breaks exactly those proofs', async (which, [sha1Valid, sha512Valid]) => {
    const { frame } = await captureAuthResponse(6, { auth: { mode: 'certificate', ...rsaLsc }, misbehave: { corruptSignature: which } });
    const { sha1, sha512 } = proofs(frame.fields);
    const data = authData(rsaLsc.certificateDer);
    expect(recoveredDigest(publicKeyOf(rsaLsc), sha1)?.equals(digest('sha1', data)) ?? false).toBe(sha1Valid);
    expect(recoveredDigest(publicKeyOf(rsaLsc), sha512)?.equals(digest('sha512', data)) ?? false).toBe(sha512Valid);
  });

  it('signs the bytes the server builds, and the server authenticates it (a wrong SUDI byte order is refused)', async () => {
    const sessionId = 0x0a0b0c0d;
    const device: Device = {
      name: DEVICE,
      operation: 'install',
      operationId: 'op-1',
      authMode: 'lsc-precedence',
      keyOrder: 'rsa',
      rsaKeySize: 2048,
      curve: 'P-256',
      status: 'pending',
      statusAt: '2026-01-01T00:00:00.000Z',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      version: 1,
    };
    const context = { sessionId, trustAnchorsDer: [new Uint8Array(ca.certificate.rawData)], requireNameMatch: true };
    for (const credential of [rsaLsc, ecLsc]) {
      const { frame } = await captureAuthResponse(sessionId, { auth: { mode: 'certificate', ...credential, sudi } });
      expect(authenticate(device, frame.fields, context)).toMatchObject({ method: 'certificate' });
    }
    const rsa = proofs((await captureAuthResponse(sessionId, { auth: { mode: 'certificate', ...rsaLsc } })).frame.fields);
    expect(recoveredDigest(publicKeyOf(rsaLsc), rsa.sha1)?.equals(digest('sha1', certificateAuthData(DEVICE, rsaLsc.certificateDer)))).toBe(true);

    const { frame } = await captureAuthResponse(sessionId, { auth: { mode: 'certificate', ...rsaLsc, sudi }, misbehave: { sudiBigEndian: true } });
    const sha1 = frame.fields.sudi?.sha1Signature.data ?? new Uint8Array();
    expect(recoveredDigest(publicKeyOf(sudi), sha1)?.equals(digest('sha1', sudiSignedData(0x0d0c0b0a, sudi.certificateDer)))).toBe(true);
    expect(() => authenticate(device, frame.fields, context)).toThrow(expect.objectContaining({ code: 'PROOF_INVALID' }));
  });

  it('refuses a key that does not belong to the certificate before connecting', async () => {
    await expect(
      runPhoneAgainst(ca, async () => undefined, { auth: { mode: 'certificate', certificatePem: rsaLsc.certificatePem, privateKeyPem: ecLsc.privateKeyPem } }),
    ).rejects.toMatchObject({ code: 'PHONE_CREDENTIAL' });
  });
});
