// CrlBuilder: openssl verifies and prints the CRLs (RSA and EC CAPF CAs), revokes an LSC in `openssl verify -crl_check`,
// and @peculiar/x509 (an independent parser) reads back any list of serials.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { X509Crl, X509CrlReason } from '@peculiar/x509';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../../shared/errors.ts';
import { derToPem } from '../../../shared/pki/certificate.ts';
import { childrenOf, rawOf, readWhole, TAG } from '../../../shared/pki/der.ts';
import { generateCapfCa, type CapfCaMaterial } from '../../../shared/pki/capf-ca.ts';
import { CRL_REASONS, CrlBuilder, MAX_CRL_ENTRIES, type CrlReason, type RevokedEntry } from '../../../shared/pki/crl.ts';
import { LscBuilder } from '../../../shared/pki/lsc.ts';
import { createSoftwareSigner } from '../../../shared/pki/software-signer.ts';
import { keyPair, openssl, opensslCertificate, opensslRun, spkiOf, TempDir } from './support.ts';

const NOW = new Date('2031-03-04T05:06:07Z');
const DAY = 86_400_000;
const dir = new TempDir();
afterAll(() => dir.remove());

let rsaCa: CapfCaMaterial;
let ecCa: CapfCaMaterial;
beforeAll(async () => {
  const caStart = new Date(NOW.getTime() - 400 * DAY);
  [rsaCa, ecCa] = await Promise.all([
    generateCapfCa({ commonName: 'CAPF-0a1b2c3d', organization: 'CAPF Lab', now: caStart }),
    generateCapfCa({ keyType: 'ec', commonName: 'CAPF-ec000001', now: caStart }),
  ]);
});

function builderFor(ca: CapfCaMaterial): CrlBuilder {
  return new CrlBuilder(ca.certificateDer, createSoftwareSigner(createPrivateKey(ca.privateKeyPem)));
}

function content(entries: RevokedEntry[], crlNumber: bigint | number = 1) {
  return { entries, crlNumber, thisUpdate: NOW, nextUpdate: new Date(NOW.getTime() + 7 * DAY) };
}

/** `openssl crl -verify -CAfile ca.pem -noout` (-attime: the CAs are made for NOW, which is in the future). */
function opensslCrlVerify(caDer: Uint8Array, crlDer: Uint8Array) {
  return opensslRun(['crl', '-verify', '-CAfile', dir.writePem('ca.pem', caDer), '-in', dir.write('crl.pem', derToPem(crlDer, 'X509 CRL')), '-noout']);
}

function opensslCrlText(crlDer: Uint8Array): string {
  return openssl(['crl', '-inform', 'DER', '-text', '-noout'], crlDer);
}

const SAMPLE: RevokedEntry[] = [
  { serialHex: '7f3a00c1', revokedAt: new Date(NOW.getTime() - 3 * DAY), reason: 'superseded' },
  { serialHex: '00A1B2C3D4E5F60718293A4B5C6D7E8F', revokedAt: new Date(NOW.getTime() - DAY), reason: 'cessationOfOperation' },
  { serialHex: '05', revokedAt: NOW, reason: 'keyCompromise' },
  { serialHex: 'ffffffffffffffffffffffffffffffffffffffff', revokedAt: NOW }, // 20 octets, top bit set: written with a 0x00 pad
];

describe('CrlBuilder', () => {
  for (const [name, ca, signatureName] of [
    ['RSA', () => rsaCa, 'sha256WithRSAEncryption'],
    ['EC', () => ecCa, 'ecdsa-with-SHA256'],
  ] as const) {
    it(`${name} CAPF CA: openssl verifies the CRL and prints the serials, reasons, CRL number and next update`, async () => {
      const crl = await builderFor(ca()).build(content(SAMPLE, 42));
      const verified = opensslCrlVerify(ca().certificateDer, crl);
      expect(verified.status, verified.stderr).toBe(0);
      expect(verified.stderr + verified.stdout).toMatch(/verify OK/);

      const text = opensslCrlText(crl);
      expect(text).toMatch(/Version 2 \(0x1\)/);
      expect(text).toContain(`Signature Algorithm: ${signatureName}`);
      expect(text).toMatch(/Last Update: Mar {2}4 05:06:07 2031 GMT/);
      expect(text).toMatch(/Next Update: Mar 11 05:06:07 2031 GMT/);
      expect(text).toMatch(/X509v3 CRL Number:\s+42\b/);
      expect(text).toMatch(/X509v3 Authority Key Identifier:\s+(keyid:)?[0-9A-F:]{59}/);
      // Ascending serial order; the reason follows its serial; no reasonCode for the entry without one.
      const serials = [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]);
      expect(serials).toEqual(['05', '7F3A00C1', 'A1B2C3D4E5F60718293A4B5C6D7E8F', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF']);
      const reasons = [...text.matchAll(/Serial Number: ([0-9A-F]+)\s+Revocation Date: [^\n]+\n(?:\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+(\S+))?/g)].map((m) => [m[1], m[2]]);
      expect(reasons).toEqual([
        ['05', 'Key'],
        ['7F3A00C1', 'Superseded'],
        ['A1B2C3D4E5F60718293A4B5C6D7E8F', 'Cessation'],
        ['FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', undefined],
      ]);
      expect(text).toMatch(/Revocation Date: Mar {2}1 05:06:07 2031 GMT/);
      // The issuer is the CA certificate's subject, byte for byte (openssl prints the same name).
      const caSubject = openssl(['x509', '-inform', 'DER', '-noout', '-subject', '-nameopt', 'RFC2253'], ca().certificateDer).replace(/^subject=/, '').trim();
      expect(openssl(['crl', '-inform', 'DER', '-noout', '-issuer', '-nameopt', 'RFC2253'], crl).replace(/^issuer=/, '').trim()).toBe(caSubject);
    });
  }

  it('an empty CRL leaves the revoked list out and still verifies', async () => {
    const crl = await builderFor(ecCa).build(content([], 0));
    expect(opensslCrlVerify(ecCa.certificateDer, crl).status).toBe(0);
    const text = opensslCrlText(crl);
    expect(text).toMatch(/No Revoked Certificates/);
    expect(text).toMatch(/X509v3 CRL Number:\s+0\b/);
  });

  it('openssl verify -crl_check refuses a revoked LSC and accepts one that is not listed', async () => {
    const issuedAt = new Date(Date.now() - DAY);
    const ca = await generateCapfCa({ commonName: 'CAPF-crlcheck1', now: new Date(Date.now() - 2 * DAY) });
    const caSigner = createSoftwareSigner(createPrivateKey(ca.privateKeyPem));
    const caLscs = new LscBuilder(ca.certificateDer, caSigner);
    const spki = spkiOf(keyPair({ type: 'ec', curve: 'P-256' }).publicKey);
    const revoked = await caLscs.build({ deviceName: 'SEP001122334455', spkiDer: spki, validityDays: 365, now: issuedAt });
    const kept = await caLscs.build({ deviceName: 'SEP001122334466', spkiDer: spki, validityDays: 365, now: issuedAt });
    const serial = openssl(['x509', '-inform', 'DER', '-noout', '-serial'], revoked).replace(/^serial=/, '').trim();
    const thisUpdate = new Date(Date.now() - 60_000);
    const crl = await new CrlBuilder(ca.certificateDer, caSigner).build({
      entries: [{ serialHex: serial, revokedAt: thisUpdate, reason: 'superseded' }],
      crlNumber: 7,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + DAY),
    });
    const files = { ca: dir.writePem('ca.pem', ca.certificateDer), crl: dir.write('crl.pem', derToPem(crl, 'X509 CRL')) };
    const check = (lsc: Uint8Array) => opensslRun(['verify', '-crl_check', '-CAfile', files.ca, '-CRLfile', files.crl, dir.writePem('lsc.pem', lsc)]);
    const refused = check(revoked);
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/certificate revoked/);
    const accepted = check(kept);
    expect(accepted.stdout + accepted.stderr, accepted.stderr).toMatch(/: OK/);
  });

  it('writes the entries in ascending serial order whatever the input order, so the same list gives the same bytes', async () => {
    const builder = builderFor(ecCa);
    const forward = await builder.build(content(SAMPLE));
    const reversed = await builder.build(content([...SAMPLE].reverse()));
    // ECDSA signatures are randomised: compare the signed part.
    const tbs = (der: Uint8Array) => rawOf(der, childrenOf(der, readWhole(der, TAG.sequence))[0]!);
    expect(Buffer.from(tbs(reversed))).toEqual(Buffer.from(tbs(forward)));
  });

  it('any list of distinct serials, reasons and dates reads back the same through @peculiar/x509, signature included', async () => {
    const builder = builderFor(ecCa);
    const publicKey = await crypto.subtle.importKey('spki', createPublicKey(createPrivateKey(ecCa.privateKeyPem)).export({ format: 'der', type: 'spki' }), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    const serial = fc
      .uint8Array({ minLength: 1, maxLength: 20 })
      .filter((bytes) => bytes.some((b) => b !== 0))
      .map((bytes) => Buffer.from(bytes).toString('hex').replace(/^0+/, ''));
    const reason = fc.option(fc.constantFrom(...(Object.keys(CRL_REASONS) as CrlReason[])), { nil: undefined });
    const entry = fc.record({ serialHex: serial, secondsBefore: fc.integer({ min: 0, max: 10 * 365 * 86_400 }), reason, upper: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(entry, { selector: (e) => e.serialHex, maxLength: 40 }), fc.bigInt({ min: 0n, max: (1n << 159n) - 1n }), async (list, crlNumber) => {
        const entries = list.map((e) => ({
          serialHex: e.upper ? `00${e.serialHex.toUpperCase()}` : e.serialHex,
          revokedAt: new Date(NOW.getTime() - e.secondsBefore * 1000),
          reason: e.reason,
        }));
        const der = await builder.build(content(entries, crlNumber));
        const parsed = new X509Crl(der);
        expect(await parsed.verify({ publicKey })).toBe(true);
        expect(parsed.thisUpdate.getTime()).toBe(NOW.getTime());
        expect(parsed.nextUpdate?.getTime()).toBe(NOW.getTime() + 7 * DAY);
        const read = parsed.entries.map((e) => ({ serialHex: e.serialNumber.toLowerCase().replace(/^0+/, ''), at: e.revocationDate.getTime(), reason: e.reason }));
        const expected = list
          .map((e) => ({
            serialHex: e.serialHex,
            at: NOW.getTime() - e.secondsBefore * 1000,
            reason: e.reason === undefined || e.reason === 'unspecified' ? undefined : (CRL_REASONS[e.reason] as X509CrlReason),
          }))
          .sort((a, b) => a.serialHex.length - b.serialHex.length || (a.serialHex < b.serialHex ? -1 : 1));
        expect(read).toEqual(expected);
        const numberExtension = parsed.extensions.find((x) => x.type === '2.5.29.20');
        expect(numberExtension).toBeDefined();
        const value = Buffer.from(numberExtension!.value);
        expect(value[0]).toBe(0x02); // INTEGER
        expect(BigInt(`0x${value.subarray(2).toString('hex') || '0'}`)).toBe(crlNumber);
      }),
      { numRuns: 60 },
    );
  });

  it(`builds a CRL of MAX_CRL_ENTRIES (${MAX_CRL_ENTRIES}) entries that openssl verifies, and refuses one more`, async () => {
    const builder = builderFor(ecCa);
    const entries = Array.from({ length: MAX_CRL_ENTRIES }, (_, i) => ({ serialHex: (i + 1).toString(16), revokedAt: NOW, reason: 'cessationOfOperation' as const }));
    const crl = await builder.build(content(entries));
    expect(crl.length).toBeGreaterThan(MAX_CRL_ENTRIES * 30);
    expect(opensslCrlVerify(ecCa.certificateDer, crl).status).toBe(0);
    entries.push({ serialHex: 'abcdef0123', revokedAt: NOW, reason: 'cessationOfOperation' });
    await expect(builder.build(content(entries))).rejects.toMatchObject({ code: 'CRL_TOO_LARGE' });
  });
});

describe('CrlBuilder refuses what would make a wrong CRL', () => {
  it.each([
    ['a repeated serial (leading zeros and case do not hide it)', [{ serialHex: '0abc', revokedAt: NOW }, { serialHex: 'ABC', revokedAt: NOW }], 'DUPLICATE_SERIAL'],
    ['serial zero', [{ serialHex: '000', revokedAt: NOW }], 'INVALID_SERIAL'],
    ['a serial that is not hex', [{ serialHex: '12:34', revokedAt: NOW }], 'INVALID_SERIAL'],
    ['a serial over 20 octets', [{ serialHex: '1'.padEnd(41, '0'), revokedAt: NOW }], 'INVALID_SERIAL'],
    ['a revocation after thisUpdate', [{ serialHex: '01', revokedAt: new Date(NOW.getTime() + 1000) }], 'INVALID_CRL'],
    ['an invalid revocation date', [{ serialHex: '01', revokedAt: new Date(Number.NaN) }], 'INVALID_CRL'],
    ['removeFromCRL (delta CRLs only)', [{ serialHex: '01', revokedAt: NOW, reason: 'removeFromCRL' as CrlReason }], 'INVALID_CRL_REASON'],
  ])('%s', async (_name, entries, code) => {
    const error = await builderFor(rsaCa).build(content(entries as RevokedEntry[])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(code);
  });

  it.each([
    ['nextUpdate equal to thisUpdate (to the second)', { nextUpdate: new Date(NOW.getTime() + 999) }, 'INVALID_CRL'],
    ['nextUpdate before thisUpdate', { nextUpdate: new Date(NOW.getTime() - DAY) }, 'INVALID_CRL'],
    ['a negative CRL number', { crlNumber: -1 }, 'INVALID_CRL_NUMBER'],
    ['a CRL number over 20 octets', { crlNumber: 1n << 159n }, 'INVALID_CRL_NUMBER'],
    ['a fractional CRL number', { crlNumber: 1.5 }, 'INVALID_CRL_NUMBER'],
  ])('%s', async (_name, change, code) => {
    const error = await builderFor(rsaCa).build({ ...content([]), ...change }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(code);
  });

  it('an issuer that is not a CA, holds another key type, or may not sign CRLs', async () => {
    const rsaSigner = createSoftwareSigner(createPrivateKey(rsaCa.privateKeyPem));
    const lsc = await new LscBuilder(rsaCa.certificateDer, rsaSigner).build({ deviceName: 'SEP0011223344AA', spkiDer: spkiOf(keyPair({ type: 'rsa', bits: 2048 }).publicKey), validityDays: 30, now: NOW });
    const ecSigner = createSoftwareSigner(createPrivateKey(ecCa.privateKeyPem));
    const caKey = keyPair({ type: 'ec', curve: 'P-256' }).privateKey;
    const noCrlSign = opensslCertificate(dir, {
      subject: 'CN = No CRL Sign CA',
      privateKey: caKey,
      extensions: 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, digitalSignature\nsubjectKeyIdentifier = hash',
    });
    const problems = [
      [() => new CrlBuilder(lsc, rsaSigner), /not a CA certificate/],
      [() => new CrlBuilder(rsaCa.certificateDer, ecSigner), /holds a rsa key but the signer signs with ec/],
      [() => new CrlBuilder(noCrlSign, createSoftwareSigner(caKey)), /lacks cRLSign/],
      [() => new CrlBuilder(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01), rsaSigner), /is not usable/],
    ] as const;
    for (const [make, message] of problems) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('CRL_ISSUER');
      expect((error as ConfigError).message).toMatch(message);
    }
  });
});
