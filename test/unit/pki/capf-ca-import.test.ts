// F4: what `capf ca import` accepts as a CAPF certificate and key, and what it refuses (saying why, never quoting the key).
import { createPrivateKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/errors.ts';
import { checkImportedCapfCa } from '../../../shared/pki/capf-ca-import.ts';
import { generateCapfCa, type CapfCaMaterial } from '../../../shared/pki/index.ts';
import { KeyUsageFlags } from '@peculiar/x509';
import { refusal, makeCert, newRsaKeys, privateKeyPem } from '../../support/trust-pki.ts';


describe('checkImportedCapfCa', () => {
  let rsa: CapfCaMaterial;
  let ec: CapfCaMaterial;
  beforeAll(async () => {
    [rsa, ec] = await Promise.all([generateCapfCa({ commonName: 'CAPF-import-rsa' }), generateCapfCa({ keyType: 'ec', commonName: 'CAPF-import-ec' })]);
  });

  it('accepts a CAPF CA with its key (RSA 2048, EC P-256), the key re-exported as PKCS#8', () => {
    for (const material of [rsa, ec]) {
      const checked = checkImportedCapfCa(material.certificatePem, material.privateKeyPem);
      expect(Buffer.from(checked.certificateDer)).toEqual(Buffer.from(material.certificateDer));
      expect(checked.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    }
    const pkcs1 = createPrivateKey(rsa.privateKeyPem).export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(checkImportedCapfCa(rsa.certificatePem, pkcs1).privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('refuses a key of another certificate, an unreadable key, and never quotes the key', () => {
    expect(refusal(() => checkImportedCapfCa(rsa.certificatePem, ec.privateKeyPem), ValidationError).code).toBe('KEY_MISMATCH');
    const garbled = '-----BEGIN PRIVATE KEY-----\nTOPSECRETTOPSECRET\n-----END PRIVATE KEY-----\n';
    const error = refusal(() => checkImportedCapfCa(rsa.certificatePem, garbled), ValidationError);
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).not.toContain('TOPSECRET');
  });

  it('refuses two certificates, a non-CA, a CA without keyCertSign, and an RSA key over 2048 bits', async () => {
    expect(refusal(() => checkImportedCapfCa(rsa.certificatePem + ec.certificatePem, rsa.privateKeyPem), ValidationError).message).toMatch(/holds 2 certificates/);
    const leaf = await makeCert({ name: 'CN=not-a-ca', ca: false });
    const leafKey = await privateKeyPem(leaf.keys);
    expect(refusal(() => checkImportedCapfCa(leaf.pem, leafKey), ValidationError).message).toMatch(/not a CA/);
    const noCertSign = await makeCert({ name: 'CN=CAPF-no-certsign', ca: true, caKeyUsage: KeyUsageFlags.digitalSignature });
    const noCertSignKey = await privateKeyPem(noCertSign.keys);
    expect(refusal(() => checkImportedCapfCa(noCertSign.pem, noCertSignKey), ValidationError).message).toMatch(/lacks keyCertSign/);
    const big = await makeCert({ name: 'CN=CAPF-big', ca: true, keys: await newRsaKeys(3072) });
    const bigKey = await privateKeyPem(big.keys);
    expect(refusal(() => checkImportedCapfCa(big.pem, bigKey), ValidationError).message).toMatch(/RSA key of 3072 bits/);
  });

  it('refuses an expired certificate', () => {
    expect(refusal(() => checkImportedCapfCa(rsa.certificatePem, rsa.privateKeyPem, new Date(Date.now() + 10 * 365 * 86_400_000)), ValidationError).message).toMatch(/expired at/);
  });
});

