// F1 (Beyond): AWS Private CA signs the phone's CSR (docs/online-ca.md §6). PCA cannot sign a bare public key, so this
// issuer needs the CSR flow; the phone's CSR arrives with the request as csrDer.
import { createHash } from 'node:crypto';
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { ConfigError, errorName, IssuerError } from '../../errors.ts';
import { checkLscValidity } from '../../domain/parameters.ts';
import { derToPem, pemToDer, splitPemChain } from '../../pki/index.ts';
import { cachedLoader } from '../../util/cached-loader.ts';
import type { IssueRequest, IssueResult, Issuer, IssuerDescription } from '../../ports/index.ts';
import { checkRequestCsr, csrRequired, refusalFor } from '../csr-required.ts';
import { acmPcaSdk } from '../aws-sdk.ts';
import { DEFAULT_PCA_TEMPLATE_ARN, PCA_ARN } from './settings.ts';

export interface AcmPcaIssuerOptions {
  client: ACMPCAClient;
  certificateAuthorityArn: string;
  /** Default EndEntityClientAuthCertificate/V1: KU digitalSignature + keyEncipherment (the LSC rule), EKU clientAuth. */
  templateArn?: string;
  /** Longest wait for PCA to issue, in seconds (default 20; the sign function's timeout must be longer). */
  maxWaitSeconds?: number;
}

/** PCA treats the same token within its window as the same request (≤ 36 characters). */
export function pcaIdempotencyToken(requestId: string): string {
  return createHash('sha256').update(`capf-cloud:${requestId}`).digest('hex').slice(0, 32);
}

export class AcmPcaIssuer implements Issuer {
  readonly name = 'acm-pca';
  private readonly client: ACMPCAClient;
  private readonly caArn: string;
  private readonly templateArn: string;
  private readonly maxWaitSeconds: number;
  private readonly caCertificates = cachedLoader<Uint8Array[]>();

  constructor(options: AcmPcaIssuerOptions) {
    if (!PCA_ARN.test(options.certificateAuthorityArn)) {
      throw new ConfigError(`CAPF_PCA_ARN must be an ACM PCA certificate authority ARN, not ${JSON.stringify(options.certificateAuthorityArn.slice(0, 100))}`);
    }
    this.client = options.client;
    this.caArn = options.certificateAuthorityArn;
    this.templateArn = options.templateArn ?? DEFAULT_PCA_TEMPLATE_ARN;
    this.maxWaitSeconds = options.maxWaitSeconds ?? 20;
  }

  async issue(request: IssueRequest): Promise<IssueResult> {
    if (!request.csrDer) return csrRequired('AWS Private CA (acm-pca)', request.deviceName);
    try {
      checkLscValidity(request.validityDays);
    } catch (error) {
      return refusalFor(error);
    }
    const csr = checkRequestCsr(request, request.csrDer);
    if ('kind' in csr) return csr;

    // The sign service checks that the certificate carries the phone's key, for every issuer.
    const issued = await this.fetch(await this.submit(request, request.csrDer));
    return { kind: 'issued', ...issued };
  }

  private async submit(request: IssueRequest, csrDer: Uint8Array): Promise<string> {
    const { IssueCertificateCommand } = await acmPcaSdk();
    try {
      const answer = await this.client.send(
        new IssueCertificateCommand({
          CertificateAuthorityArn: this.caArn,
          Csr: new TextEncoder().encode(derToPem(csrDer, 'CERTIFICATE REQUEST')),
          SigningAlgorithm: 'SHA256WITHRSA', // an RSA CA, as the Online CA rules want (docs/online-ca.md §6)
          TemplateArn: this.templateArn,
          Validity: { Type: 'DAYS', Value: request.validityDays },
          IdempotencyToken: pcaIdempotencyToken(request.requestId),
        }),
      );
      if (!answer.CertificateArn) throw new IssuerError('AWS Private CA accepted the CSR but returned no certificate ARN', 'PCA_UNAVAILABLE');
      return answer.CertificateArn;
    } catch (error) {
      if (error instanceof IssuerError) throw error;
      const name = errorName(error);
      if (name === 'MalformedCSRException') throw new IssuerError(`AWS Private CA refused the CSR as malformed`, 'CSR_MALFORMED', { cause: error });
      if (name === 'InvalidStateException' || name === 'ResourceNotFoundException' || name === 'InvalidArnException') {
        throw new IssuerError(`AWS Private CA ${this.caArn} cannot issue (${name}); check that it exists and is ACTIVE`, 'PCA_NOT_ACTIVE', { cause: error });
      }
      throw new IssuerError(`AWS Private CA IssueCertificate failed (${name})`, 'PCA_UNAVAILABLE', { cause: error });
    }
  }

  private async fetch(certificateArn: string): Promise<{ certificateDer: Uint8Array; chainDer: Uint8Array[] }> {
    const input = { CertificateAuthorityArn: this.caArn, CertificateArn: certificateArn };
    const { GetCertificateCommand, waitUntilCertificateIssued } = await acmPcaSdk();
    try {
      await waitUntilCertificateIssued({ client: this.client, maxWaitTime: this.maxWaitSeconds, minDelay: 1, maxDelay: 5 }, input);
    } catch (error) {
      throw new IssuerError(`AWS Private CA did not issue ${certificateArn} within ${this.maxWaitSeconds} s (${errorName(error)})`, 'PCA_TIMEOUT', { cause: error });
    }
    let answer;
    try {
      answer = await this.client.send(new GetCertificateCommand(input));
    } catch (error) {
      throw new IssuerError(`AWS Private CA GetCertificate for ${certificateArn} failed (${errorName(error)})`, 'PCA_UNAVAILABLE', { cause: error });
    }
    if (!answer.Certificate) throw new IssuerError(`AWS Private CA returned no certificate for ${certificateArn}`, 'PCA_UNAVAILABLE');
    try {
      return {
        certificateDer: pemToDer(answer.Certificate),
        chainDer: answer.CertificateChain ? splitPemChain(answer.CertificateChain) : [],
      };
    } catch (error) {
      throw new IssuerError(`AWS Private CA returned an unreadable certificate or chain for ${certificateArn}`, 'PCA_UNAVAILABLE', { cause: error });
    }
  }

  /** The CA certificate and its chain, read once (the admin uploads the root to CAPF-trust and CallManager-trust). */
  async describe(): Promise<IssuerDescription> {
    const caCertificatesDer = await this.caCertificates(this.caArn, () => this.readCaCertificates());
    return { name: this.name, caCertificatesDer };
  }

  private async readCaCertificates(): Promise<Uint8Array[]> {
    const { GetCertificateAuthorityCertificateCommand } = await acmPcaSdk();
    let answer;
    try {
      answer = await this.client.send(new GetCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: this.caArn }));
    } catch (error) {
      throw new IssuerError(`reading the certificate of AWS Private CA ${this.caArn} failed (${errorName(error)})`, 'PCA_UNAVAILABLE', { cause: error });
    }
    if (!answer.Certificate) throw new IssuerError(`AWS Private CA ${this.caArn} has no certificate yet (not activated)`, 'PCA_NOT_ACTIVE');
    const certificates = [pemToDer(answer.Certificate)];
    if (answer.CertificateChain) certificates.push(...splitPemChain(answer.CertificateChain));
    return certificates;
  }
}
