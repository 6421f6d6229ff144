// An ACTIVE root CA in ACM PCA on moto_server: create it, issue its own certificate from its CSR with the root template,
// then import that certificate, which activates it (moto needs all three steps, like AWS).
import {
  CreateCertificateAuthorityCommand,
  GetCertificateAuthorityCsrCommand,
  GetCertificateCommand,
  ImportCertificateAuthorityCertificateCommand,
  IssueCertificateCommand,
  waitUntilCertificateIssued,
  type ACMPCAClient,
} from '@aws-sdk/client-acm-pca';
import { randomBytes } from 'node:crypto';

export async function activeRootCa(acmPca: ACMPCAClient): Promise<{ arn: string; rootPem: string }> {
  const created = await acmPca.send(
    new CreateCertificateAuthorityCommand({
      CertificateAuthorityType: 'ROOT',
      CertificateAuthorityConfiguration: { KeyAlgorithm: 'RSA_2048', SigningAlgorithm: 'SHA256WITHRSA', Subject: { CommonName: `capf-test-root-${randomBytes(4).toString('hex')}` } },
      IdempotencyToken: randomBytes(12).toString('hex'),
    }),
  );
  const arn = created.CertificateAuthorityArn ?? '';
  const csr = await acmPca.send(new GetCertificateAuthorityCsrCommand({ CertificateAuthorityArn: arn }));
  const issued = await acmPca.send(
    new IssueCertificateCommand({
      CertificateAuthorityArn: arn,
      Csr: new TextEncoder().encode(csr.Csr ?? ''),
      SigningAlgorithm: 'SHA256WITHRSA',
      TemplateArn: 'arn:aws:acm-pca:::template/RootCACertificate/V1',
      Validity: { Type: 'YEARS', Value: 5 },
    }),
  );
  const input = { CertificateAuthorityArn: arn, CertificateArn: issued.CertificateArn ?? '' };
  await waitUntilCertificateIssued({ client: acmPca, maxWaitTime: 30 }, input);
  const root = await acmPca.send(new GetCertificateCommand(input));
  await acmPca.send(new ImportCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: arn, Certificate: new TextEncoder().encode(root.Certificate ?? '') }));
  return { arn, rootPem: root.Certificate ?? '' };
}
