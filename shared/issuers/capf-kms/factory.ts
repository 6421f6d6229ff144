// Builds the capf-kms issuer: the KMS signer and the CA certificate of its key (created through KMS at first start).
import { kmsOf, secretsManagerOf } from '../aws-clients.ts';
import { CapfCaIssuer } from '../capf-ca/capf-ca-issuer.ts';
import { ensureKmsCa } from '../capf-ca/kms-ca.ts';
import type { IssuerFactory } from '../descriptor.ts';
import type { CapfKmsSettings } from './descriptor.ts';

export const create: IssuerFactory<CapfKmsSettings> = async (settings, context) => {
  const ca = await ensureKmsCa(
    { kms: await kmsOf(context), secretsManager: await secretsManagerOf(context) },
    { keyId: settings.kmsKeyId, certSecretId: settings.caCertSecretId, messageType: settings.kmsMessageType },
  );
  return new CapfCaIssuer({ ...ca, name: 'capf-kms' });
};
