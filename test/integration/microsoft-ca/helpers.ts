// Shared fixtures for the online Microsoft CA tests: RSA 2048 CSRs made with @peculiar/x509 (as a phone would sign
// them), an issuer pointed at a running emulator, and a check that an issued certificate chains to the emulator CA.
import { webcrypto, X509Certificate } from 'node:crypto';
import { expect } from 'vitest';
import * as x509 from '@peculiar/x509';
import { MicrosoftCaIssuer, type MicrosoftCaIssuerOptions } from '../../../shared/issuers/microsoft-ca/index.ts';
import type { IssueRequest, IssueResult } from '../../../shared/ports/index.ts';
import { emulatorIssuerSettings, type CertsrvEmulator } from '../../../cli/certsrv-emulator/index.ts';

export const DEVICE = 'SEP0011223344AA';

export interface PhoneCsr {
  csrDer: Uint8Array;
  publicKeyDer: Uint8Array;
}

export async function phoneCsr(deviceName = DEVICE, algorithm: 'rsa' | 'ec' = 'rsa', rsaBits = 2048): Promise<PhoneCsr> {
  const signingAlgorithm =
    algorithm === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: rsaBits }
      : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(signingAlgorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${deviceName}, O=Cisco Systems Inc.`, keys, signingAlgorithm });
  return { csrDer: new Uint8Array(csr.rawData), publicKeyDer: new Uint8Array(await webcrypto.subtle.exportKey('spki', keys.publicKey)) };
}

export function issueRequest(csr: PhoneCsr, deviceName = DEVICE): IssueRequest {
  return { requestId: `req-${Math.random().toString(36).slice(2)}`, deviceName, publicKeyDer: csr.publicKeyDer, csrDer: csr.csrDer, validityDays: 365 };
}

export function issuerFor(emulator: CertsrvEmulator, overrides: Partial<MicrosoftCaIssuerOptions> = {}): MicrosoftCaIssuer {
  return new MicrosoftCaIssuer({ ...emulatorIssuerSettings(emulator), timeoutMs: 15_000, ...overrides });
}

/** Asserts an issued result whose certificate carries the CSR's key and verifies against the emulator CA. */
export function expectIssuedByEmulator(result: IssueResult, emulator: CertsrvEmulator, csr: PhoneCsr): X509Certificate {
  if (result.kind !== 'issued') throw new Error(`expected issued, got ${JSON.stringify(result)}`);
  const leaf = new X509Certificate(result.certificateDer);
  const ca = new X509Certificate(emulator.caCertificatePem);
  expect(leaf.checkIssued(ca)).toBe(true);
  expect(leaf.verify(ca.publicKey)).toBe(true);
  expect(result.chainDer).toHaveLength(1);
  expect(Buffer.from(result.chainDer[0]!).equals(ca.raw)).toBe(true);
  const leafSpki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  expect(leafSpki.equals(Buffer.from(csr.publicKeyDer))).toBe(true);
  expect(leaf.subject).toContain(`CN=${DEVICE}`);
  return leaf;
}

export function expectRefused(result: IssueResult, code: string): string {
  if (result.kind !== 'refused') throw new Error(`expected refused ${code}, got ${JSON.stringify(result).slice(0, 400)}`);
  expect(result.code).toBe(code);
  return result.reason;
}
