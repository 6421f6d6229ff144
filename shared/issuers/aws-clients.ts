// The AWS clients issuers use: the ones the composition root handed over (IssuerContext.clients), else new ones with the
// SDK's defaults (region, credential chain, AWS_ENDPOINT_URL) and time limits. Each SDK is imported on first use
// (aws-sdk.ts); only factories and create.ts import this, never a descriptor.
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requestLimits } from '../aws-limits.ts';
import { acmPcaSdk, kmsSdk, secretsManagerSdk } from './aws-sdk.ts';
import type { IssuerContext } from './descriptor.ts';

/**
 * Limits of the AWS clients issuers make. Each call (secret read, KMS Sign, PCA poll) answers in well under a second;
 * without a limit a stalled one would hold the sign function's 30 s and the issuance lease (KMS allows 300 s, PCA none).
 */
const AWS_CLIENT_LIMITS = { maxAttempts: 2, requestHandler: requestLimits(5_000) };

export async function secretsManagerOf(context: IssuerContext): Promise<SecretsManagerClient> {
  return context.clients?.secretsManager ?? new (await secretsManagerSdk()).SecretsManagerClient(AWS_CLIENT_LIMITS);
}

export async function kmsOf(context: IssuerContext): Promise<KMSClient> {
  return context.clients?.kms ?? new (await kmsSdk()).KMSClient(AWS_CLIENT_LIMITS);
}

export async function acmPcaOf(context: IssuerContext): Promise<ACMPCAClient> {
  return context.clients?.acmPca ?? new (await acmPcaSdk()).ACMPCAClient(AWS_CLIENT_LIMITS);
}

export async function s3Of(context: IssuerContext): Promise<S3Client> {
  return context.clients?.s3 ?? new (await import('@aws-sdk/client-s3')).S3Client(AWS_CLIENT_LIMITS);
}
