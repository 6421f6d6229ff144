// The provisional CSR flow from the phone side: SIGN_CERTIFICATE_REQUEST (22) → [IN_PROGRESS] → SIGN_CERTIFICATE_RESPONSE
// (23) carrying a PKCS#10 with CN=<device name>, signed SHA-256 by the new key; or REASON 7 from a phone without CSRs.
import 'reflect-metadata';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsr } from '../../../shared/pki/csr.ts';
import { Opcode, element, type Element } from '../../../shared/protocol/index.ts';
import { x509Crypto } from '../../../cli/phone/phone-keys.ts';
import { DEVICE, greet, hex, runPhoneAgainst } from './phone-harness.ts';
import type { ReceivedFrame } from './scripted-server.ts';
import { makeCa, type TestCa } from './test-pki.ts';

let ca: TestCa;

beforeAll(async () => {
  ca = await makeCa();
});

/** Asks for a CSR; collects every phone frame up to the answer. */
async function requestCsr(keyElements: Element[], options: Parameters<typeof runPhoneAgainst>[2] = {}) {
  const frames: ReceivedFrame[] = [];
  const result = await runPhoneAgainst(
    ca,
    async (connection) => {
      await greet(connection, 4);
      connection.send(Opcode.SignCertificateRequest, 4, [...keyElements, element.deviceName(DEVICE)]);
      for (;;) {
        const frame = await connection.expectFrame();
        frames.push(frame);
        if (frame.message.opcode !== Opcode.RequestInProgress) break;
      }
      connection.endSession(4, 0);
    },
    options,
  );
  return { frames, result, answer: frames[frames.length - 1] as ReceivedFrame };
}

describe('SIGN_CERTIFICATE_REQUEST', () => {
  it.each([
    ['RSA 2048', [element.keySize(2048), element.keyType(0)], 'RSASSA-PKCS1-v1_5'],
    ['EC P-256', [element.keyType(1), element.curve(0)], 'ECDSA'],
    ['EC P-384', [element.keyType(1), element.curve(1)], 'ECDSA'],
  ])('%s: a verifying PKCS#10 for CN=<device>, signed SHA-256 by the new key', async (_name, keyElements, algorithm) => {
    const { frames, result, answer } = await requestCsr(keyElements);
    expect(frames.map((f) => f.message.opcode)).toEqual([Opcode.RequestInProgress, Opcode.SignCertificateResponse]);
    expect(answer.message.elements.map((e) => e.tag)).toEqual([21]);
    const der = Buffer.from(answer.fields.csr ?? []);
    expect(Buffer.from(result.csrDer ?? []).equals(der)).toBe(true);

    const csr = new x509.Pkcs10CertificateRequest(der);
    expect(csr.subject).toBe(`CN=${DEVICE}`);
    expect(csr.signatureAlgorithm).toMatchObject({ name: algorithm, hash: { name: 'SHA-256' } });
    expect(await csr.verify(x509Crypto)).toBe(true);
    // The server's own CSR parser agrees, and the key is the one the phone keeps.
    const spki = Buffer.from(parseCsr(der, DEVICE).spkiDer);
    expect(createPublicKey(createPrivateKey(result.privateKeyPem ?? '')).export({ type: 'spki', format: 'der' }).equals(spki)).toBe(true);
    expect(result).toMatchObject({ operation: 'install', endReason: 0 });
  });

  it('a phone without CSR support answers 23 with REASON 7 and no CSR', async () => {
    const { frames, result, answer } = await requestCsr([element.keySize(2048), element.keyType(0)], { supportsCsr: false });
    expect(frames).toHaveLength(1);
    expect(answer.raw.toString('hex')).toBe(hex('55 17 00000004 0004 | 01 0001 07').toString('hex'));
    expect(result.csrDer).toBeUndefined();
    expect(result.privateKeyPem).toBeUndefined();
  });
});
