// The install flow from the phone side (§4.5, §9): REQUEST_IN_PROGRESS, KEY_GENERATE_RESPONSE with the SPKI of the key
// the server asked for, and STORE_CERTIFICATE_RESPONSE only for a certificate that carries that key.
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Opcode, element, type Element } from '../../../shared/protocol/index.ts';
import { DEVICE, greet, hex, runPhoneAgainst } from './phone-harness.ts';
import type { ReceivedFrame, ScriptedConnection } from './scripted-server.ts';
import { issueCertificate, makeCa, type TestCa } from './test-pki.ts';

let ca: TestCa;

beforeAll(async () => {
  ca = await makeCa();
});

/** Reads frames until the key answer; returns how many REQUEST_IN_PROGRESS came first. */
async function keyAnswer(connection: ScriptedConnection, sessionId: number, answerOpcode: number): Promise<{ answer: ReceivedFrame; inProgress: number }> {
  let inProgress = 0;
  for (;;) {
    const frame = await connection.expectFrame();
    if (frame.message.opcode === Opcode.RequestInProgress) {
      expect(frame.raw.toString('hex')).toBe(hex(`55 11 ${sessionId.toString(16).padStart(8, '0')} 0000`).toString('hex'));
      inProgress += 1;
      continue;
    }
    expect(frame.message.opcode).toBe(answerOpcode);
    return { answer: frame, inProgress };
  }
}

/** Server side of a whole install: asks for a key, issues a certificate for it, stores it, ends with `endReason`. */
async function serveInstall(connection: ScriptedConnection, sessionId: number, keyElements: Element[]) {
  await greet(connection, sessionId);
  connection.send(Opcode.KeyGenerateRequest, sessionId, keyElements);
  const { answer, inProgress } = await keyAnswer(connection, sessionId, Opcode.KeyGenerateResponse);
  const spki = Buffer.from(answer.fields.publicKey ?? []);
  const certificateDer = await issueCertificate(ca, spki, DEVICE);
  connection.send(Opcode.StoreCertificateRequest, sessionId, [element.certificateType(1), element.certificate(certificateDer)]);
  const stored = await connection.expectFrame();
  connection.endSession(sessionId, 1);
  return { answer, inProgress, spki, certificateDer, stored };
}

function spkiOfPrivateKey(pem: string | undefined): Buffer {
  return createPublicKey(createPrivateKey(pem ?? '')).export({ type: 'spki', format: 'der' });
}

describe('install', () => {
  it('RSA 2048 as in §9: IN_PROGRESS, a 294-byte SPKI, STORE answered 01 0001 01, END 1', async () => {
    let seen: Awaited<ReturnType<typeof serveInstall>> | undefined;
    const result = await runPhoneAgainst(ca, async (connection) => {
      seen = await serveInstall(connection, 1, [element.keySize(2048), element.keyType(0)]);
    });
    if (!seen) throw new Error('script did not run');
    expect(seen.inProgress).toBe(1);
    expect(seen.answer.raw.subarray(0, 11).toString('hex')).toBe(hex('55 04 00000001 0129 | 09 0126').toString('hex'));
    expect(seen.spki.subarray(0, 19).toString('hex')).toBe(hex('3082 0122 300d 0609 2a864886f70d010101 0500').toString('hex'));
    expect(seen.stored.raw.toString('hex')).toBe(hex('55 0a 00000001 0004 | 01 0001 01').toString('hex'));
    expect(result).toMatchObject({ sessionId: 1, endReason: 1, closedWithoutEnd: false, operation: 'install' });
    expect(result.error).toBeUndefined();
    expect(Buffer.from(new X509Certificate(result.certificatePem ?? '').raw).equals(seen.certificateDer)).toBe(true);
    expect(spkiOfPrivateKey(result.privateKeyPem).equals(seen.spki)).toBe(true);
    expect(result.transcript.filter((e) => e.direction === 'P').map((e) => e.opcode)).toEqual([2, 17, 4, 10]);
  });

  it.each([
    ['P-256', 0, 'prime256v1'],
    ['P-384', 1, 'secp384r1'],
    ['P-521', 2, 'secp521r1'],
  ] as const)('EC %s (KEY_TYPE=1, CURVE=%i)', async (_name, curve, nodeCurve) => {
    let seen: Awaited<ReturnType<typeof serveInstall>> | undefined;
    const result = await runPhoneAgainst(ca, async (connection) => {
      seen = await serveInstall(connection, 2, [element.keyType(1), element.curve(curve)]);
    });
    if (!seen) throw new Error('script did not run');
    expect(createPublicKey({ key: seen.spki, format: 'der', type: 'spki' }).asymmetricKeyDetails?.namedCurve).toBe(nodeCurve);
    if (curve === 0) expect(seen.answer.raw.subarray(8, 11).toString('hex')).toBe('09005b');
    expect(result.endReason).toBe(1);
    expect(result.certificatePem).toBeDefined();
  });

  it('KEY_SIZE without KEY_TYPE (the CUCM capture) means RSA', async () => {
    let spki = Buffer.alloc(0);
    await runPhoneAgainst(ca, async (connection) => {
      ({ spki } = await serveInstall(connection, 3, [element.keySize(1024)]));
    });
    expect(createPublicKey({ key: spki, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength).toBe(1024);
  });

  it.each([0, 3])('sends %i REQUEST_IN_PROGRESS when told to', async (count) => {
    let inProgress = -1;
    await runPhoneAgainst(
      ca,
      async (connection) => {
        ({ inProgress } = await serveInstall(connection, 4, [element.keySize(1024), element.keyType(0)]));
      },
      { misbehave: { inProgressCount: count } },
    );
    expect(inProgress).toBe(count);
  });

  it('failKeygen answers KEY_GENERATE_RESPONSE{REASON 7} with no PUBLIC_KEY', async () => {
    let raw = '';
    const result = await runPhoneAgainst(
      ca,
      async (connection) => {
        await greet(connection, 1);
        connection.send(Opcode.KeyGenerateRequest, 1, [element.keySize(2048), element.keyType(0)]);
        raw = (await connection.expectFrame()).raw.toString('hex');
        connection.endSession(1, 7);
      },
      { misbehave: { failKeygen: true } },
    );
    expect(raw).toBe(hex('55 04 00000001 0004 | 01 0001 07').toString('hex'));
    expect(result).toMatchObject({ endReason: 7, operation: 'install' });
    expect(result.privateKeyPem).toBeUndefined();
  });

  it('an RSA-only phone refuses EC with REASON 7, then answers the RSA fallback', async () => {
    let refusal = '';
    let spki = Buffer.alloc(0);
    const result = await runPhoneAgainst(
      ca,
      async (connection) => {
        await greet(connection, 8);
        connection.send(Opcode.KeyGenerateRequest, 8, [element.keyType(1), element.curve(0)]);
        refusal = (await connection.expectFrame()).raw.toString('hex');
        connection.send(Opcode.KeyGenerateRequest, 8, [element.keySize(1024), element.keyType(0)]);
        spki = Buffer.from((await keyAnswer(connection, 8, Opcode.KeyGenerateResponse)).answer.fields.publicKey ?? []);
        connection.endSession(8, 7);
      },
      { supportsEc: false },
    );
    expect(refusal).toBe(hex('55 04 00000008 0004 | 01 0001 07').toString('hex'));
    expect(spkiOfPrivateKey(result.privateKeyPem).equals(spki)).toBe(true);
  });

  it('an unknown curve is refused with REASON 7 and reported', async () => {
    let reason: number | undefined;
    const result = await runPhoneAgainst(ca, async (connection) => {
      await greet(connection, 1);
      connection.send(Opcode.KeyGenerateRequest, 1, [element.keyType(1), element.curve(5)]);
      reason = (await connection.expectFrame()).fields.reason;
      connection.endSession(1, 7);
    });
    expect(reason).toBe(7);
    expect(result.error).toMatch(/CURVE 5/);
  });
});

describe('store', () => {
  /** Asks for an RSA 1024 key, then offers the certificate `certificateFor(spki)`; returns the STORE answer. */
  async function storeAnswer(certificateFor: (spki: Buffer) => Promise<Buffer>, options: Parameters<typeof runPhoneAgainst>[2] = {}) {
    let reason: number | undefined;
    const result = await runPhoneAgainst(
      ca,
      async (connection) => {
        await greet(connection, 1);
        connection.send(Opcode.KeyGenerateRequest, 1, [element.keySize(1024), element.keyType(0)]);
        const spki = Buffer.from((await keyAnswer(connection, 1, Opcode.KeyGenerateResponse)).answer.fields.publicKey ?? []);
        connection.send(Opcode.StoreCertificateRequest, 1, [element.certificateType(1), element.certificate(await certificateFor(spki))]);
        reason = (await connection.expectFrame()).fields.reason;
        connection.endSession(1, reason === 1 ? 1 : 7);
      },
      options,
    );
    return { reason, result };
  }

  it('failStore answers REASON 7 and keeps no certificate', async () => {
    const { reason, result } = await storeAnswer((spki) => issueCertificate(ca, spki, DEVICE), { misbehave: { failStore: true } });
    expect(reason).toBe(7);
    expect(result.certificatePem).toBeUndefined();
    expect(result.endReason).toBe(7);
  });

  it('a certificate for another key is refused with REASON 7', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' });
    const { reason, result } = await storeAnswer(() => issueCertificate(ca, other, DEVICE));
    expect(reason).toBe(7);
    expect(result.certificatePem).toBeUndefined();
    expect(result.error).toMatch(/another public key/);
  });

  it('a key from an earlier session (offline CA) matches a STORE with no key generation', async () => {
    const pending = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = pending.publicKey.export({ type: 'spki', format: 'der' });
    const certificateDer = await issueCertificate(ca, spki, DEVICE);
    let reason: number | undefined;
    const result = await runPhoneAgainst(
      ca,
      async (connection) => {
        await greet(connection, 9);
        connection.send(Opcode.StoreCertificateRequest, 9, [element.certificateType(1), element.certificate(certificateDer)]);
        reason = (await connection.expectFrame()).fields.reason;
        connection.endSession(9, 1);
      },
      { pendingKeyPem: pending.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
    );
    expect(reason).toBe(1);
    expect(result).toMatchObject({ operation: 'install', endReason: 1 });
    expect(Buffer.from(new X509Certificate(result.certificatePem ?? '').raw).equals(certificateDer)).toBe(true);
    expect(spkiOfPrivateKey(result.privateKeyPem).equals(spki)).toBe(true);
  });
});
