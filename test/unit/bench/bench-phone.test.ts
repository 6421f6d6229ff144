// The bench phone (cli/bench/bench-phone.ts) stores a certificate only when it carries the phone's key: one that merely
// contains the key's bytes somewhere else (here in an extension) is refused with REASON 7.
// (Not pure: a scripted CAPF server on loopback.)
import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { enrolOnce } from '../../../cli/bench/bench-phone.ts';
import { webCryptoSigningKeys, x509Crypto } from '../../../cli/phone/phone-keys.ts';
import { Opcode, Reason, element } from '../../../shared/protocol/index.ts';
import { DEVICE, greet } from '../phone/phone-harness.ts';
import { startScriptedServer } from '../phone/scripted-server.ts';
import { issueCertificate, makeCa, type TestCa } from '../phone/test-pki.ts';

let ca: TestCa;
let phoneSpki: Buffer;

beforeAll(async () => {
  ca = await makeCa();
  phoneSpki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
});

/** A certificate for another key that carries `spki` as the value of a private extension. */
async function certificateQuoting(spki: Buffer): Promise<Buffer> {
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
  const { keys, signingAlgorithm } = await webCryptoSigningKeys(ca.privateKey);
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '3'),
      subject: [{ CN: [DEVICE] }],
      issuer: ca.certificate.subject,
      publicKey: other,
      signingKey: keys.privateKey,
      signingAlgorithm,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      extensions: [new x509.Extension('1.3.6.1.4.1.9.99', false, spki)],
    },
    x509Crypto,
  );
  return Buffer.from(certificate.rawData);
}

/** One bench enrolment against a server that offers `certificateDer`; returns the REASON the phone answered. */
async function storeReason(certificateDer: Buffer): Promise<number | undefined> {
  let reason: number | undefined;
  const server = await startScriptedServer(ca, async (connection) => {
    await greet(connection, 3);
    connection.send(Opcode.KeyGenerateRequest, 3, [element.keySize(256), element.keyType(1)]);
    await connection.expectFrame();
    connection.send(Opcode.StoreCertificateRequest, 3, [element.certificateType(1), element.certificate(certificateDer)]);
    reason = (await connection.expectFrame()).fields.reason;
    connection.endSession(3, reason === Reason.UpdateCertificate ? Reason.UpdateCertificate : Reason.InvalidElement);
  });
  try {
    const result = await enrolOnce({ host: '127.0.0.1', port: server.port, caPem: ca.certificatePem }, DEVICE, phoneSpki, 10_000);
    await server.done;
    expect(result.ok).toBe(reason === Reason.UpdateCertificate);
  } finally {
    await server.close();
  }
  return reason;
}

describe('the bench phone storing its certificate', () => {
  it('accepts a certificate for its own key', async () => {
    expect(await storeReason(await issueCertificate(ca, phoneSpki, DEVICE))).toBe(Reason.UpdateCertificate);
  });

  it('refuses a certificate for another key that only quotes its key', async () => {
    const quoting = await certificateQuoting(phoneSpki);
    expect(quoting.includes(phoneSpki)).toBe(true);
    expect(await storeReason(quoting)).toBe(Reason.InvalidElement);
  });
});
