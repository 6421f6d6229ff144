// AcmPcaIssuer against ACM PCA on moto_server: a root CA created and activated (test/support/pca-root.ts), a phone CSR
// made with @peculiar/x509, the issued LSC verified against the CA with openssl. moto ignores SigningAlgorithm,
// Validity and IdempotencyToken and gives only the SAN for EndEntityClientAuthCertificate/V1, so those are not asserted.
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { issuerDescriptor } from '../../../shared/issuers/registry.ts';
import { AcmPcaIssuer, pcaIdempotencyToken } from '../../../shared/issuers/acm-pca/index.ts';
import { derToPem } from '../../../shared/pki/index.ts';
import { activeRootCa } from '../../support/pca-root.ts';
import { motoClients, opensslVerify, phoneCsr, rejection, uniqueName } from './moto-aws.ts';

const { acmPca } = motoClients();

describe('AcmPcaIssuer on moto', () => {
  let ca: { arn: string; rootPem: string };
  let issuer: AcmPcaIssuer;

  beforeAll(async () => {
    ca = await activeRootCa(acmPca);
    issuer = new AcmPcaIssuer({ client: acmPca, certificateAuthorityArn: ca.arn, maxWaitSeconds: 30 });
  });

  it('describes itself as needing a CSR and returns the CA root', async () => {
    const description = await issuer.describe();
    expect(description.name).toBe('acm-pca');
    expect(issuerDescriptor(description.name).keyDelivery).toBe('csr');
    expect(derToPem(description.caCertificatesDer[0] ?? new Uint8Array())).toBe(ca.rootPem.trim() + '\n');
  });

  for (const kind of ['rsa', 'ec'] as const) {
    it(`issues from a phone's ${kind.toUpperCase()} CSR; the certificate verifies against the CA and carries the phone's key`, async () => {
      const phone = await phoneCsr('SEP0011223344FF', kind);
      const result = await issuer.issue({ requestId: uniqueName('req'), deviceName: 'SEP0011223344FF', publicKeyDer: phone.spkiDer, csrDer: phone.csrDer, validityDays: 90 });
      if (result.kind !== 'issued') throw new Error(`expected issued, got ${JSON.stringify(result)}`);
      const chainPem = result.chainDer.map((der) => derToPem(der)).join('');
      expect(await opensslVerify(ca.rootPem, derToPem(result.certificateDer))).toMatch(/: OK/);
      expect(chainPem).toContain(ca.rootPem.trim());
      const leaf = new x509.X509Certificate(result.certificateDer);
      expect(new Uint8Array(leaf.publicKey.rawData)).toEqual(phone.spkiDer);
    });
  }

  it('refuses a bare public key with CSR_REQUIRED, naming the issuers that sign one', async () => {
    const phone = await phoneCsr('SEP0011223344FF');
    const result = await issuer.issue({ requestId: 'r', deviceName: 'SEP0011223344FF', publicKeyDer: phone.spkiDer, validityDays: 90 });
    expect(result).toMatchObject({ kind: 'refused', code: 'CSR_REQUIRED' });
    if (result.kind === 'refused') expect(result.reason).toMatch(/capf-software or capf-kms/);
  });

  it('refuses a CSR for another device or another key before calling PCA', async () => {
    const phone = await phoneCsr('SEP0011223344FF');
    const other = await phoneCsr('SEP0011223344FF');
    expect(await issuer.issue({ requestId: 'r', deviceName: 'SEPFFEEDDCCBBAA', publicKeyDer: phone.spkiDer, csrDer: phone.csrDer, validityDays: 90 })).toMatchObject({
      kind: 'refused',
      code: 'CSR_SUBJECT',
    });
    expect(await issuer.issue({ requestId: 'r', deviceName: 'SEP0011223344FF', publicKeyDer: other.spkiDer, csrDer: phone.csrDer, validityDays: 90 })).toMatchObject({
      kind: 'refused',
      code: 'CSR_KEY_MISMATCH',
    });
    const tampered = Uint8Array.from(phone.csrDer);
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0xff;
    expect(await issuer.issue({ requestId: 'r', deviceName: 'SEP0011223344FF', publicKeyDer: phone.spkiDer, csrDer: tampered, validityDays: 90 })).toMatchObject({
      kind: 'refused',
      code: 'CSR_SIGNATURE',
    });
    expect(await issuer.issue({ requestId: 'r', deviceName: 'SEP0011223344FF', publicKeyDer: phone.spkiDer, csrDer: phone.csrDer, validityDays: 0 })).toMatchObject({
      kind: 'refused',
      code: 'INVALID_VALIDITY',
    });
  });

  it('reports a CA that does not exist as an IssuerError, and a bad ARN as a ConfigError', async () => {
    const phone = await phoneCsr('SEP0011223344FF');
    const missing = new AcmPcaIssuer({ client: acmPca, certificateAuthorityArn: 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/00000000-0000-0000-0000-000000000000' });
    const error = await rejection(missing.issue({ requestId: 'r', deviceName: 'SEP0011223344FF', publicKeyDer: phone.spkiDer, csrDer: phone.csrDer, validityDays: 90 }));
    expect(error.code).toBe('PCA_NOT_ACTIVE');
    expect(() => new AcmPcaIssuer({ client: acmPca, certificateAuthorityArn: 'my-ca' })).toThrow(ConfigError);
  });

  it('derives a stable PCA idempotency token of at most 36 characters from the request id', () => {
    expect(pcaIdempotencyToken('request-1')).toBe(pcaIdempotencyToken('request-1'));
    expect(pcaIdempotencyToken('request-1')).not.toBe(pcaIdempotencyToken('request-2'));
    expect(pcaIdempotencyToken('x'.repeat(500)).length).toBeLessThanOrEqual(36);
  });
});
