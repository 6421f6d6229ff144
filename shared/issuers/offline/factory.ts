// Builds the offline issuer over the CSR bucket (S3) and the pending CSR store the composition root hands over.
import { ConfigError } from '../../errors.ts';
import { s3Of } from '../aws-clients.ts';
import type { IssuerFactory } from '../descriptor.ts';
import { OfflineIssuer } from './offline-issuer.ts';
import { S3CsrBucket } from './s3-csr-bucket.ts';
import type { OfflineSettings } from './settings.ts';

export const create: IssuerFactory<OfflineSettings> = async (settings, context) => {
  if (!context.pendingCsrs) throw new ConfigError('the offline issuer needs the pending CSR store; the composition root must hand it over', 'ISSUER_CONFIG');
  return new OfflineIssuer({ bucket: new S3CsrBucket(await s3Of(context), settings.bucket), pendingCsrs: context.pendingCsrs });
};
