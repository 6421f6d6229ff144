// F1 with an HSM: the CAPF CA (shared/issuers/capf-ca) with an AWS KMS asymmetric key that never leaves KMS; its CA
// certificate is kept in a Secrets Manager secret (created through KMS at first start). The phone sends a bare key.
import * as z from 'zod';
import { neededVar, optionalVar } from '../../util/env-parse.ts';
import { KMS_MESSAGE_TYPES } from '../capf-ca/kms-message-type.ts';
import { defineIssuer } from '../descriptor.ts';

export const capfKmsIssuer = defineIssuer({
  kind: 'capf-kms',
  summary: 'the CAPF CA with an AWS KMS asymmetric key (RSA 2048 or EC P-256); its certificate in Secrets Manager',
  keyDelivery: 'public-key',
  settingsSchema: z.strictObject({
    kmsKeyId: z.string().min(1).max(2048),
    /** The secret holding `{ certificatePem }` of the CA certificate for that key (created at first start). */
    caCertSecretId: z.string().min(1).max(2048),
    kmsMessageType: z.enum(KMS_MESSAGE_TYPES).default('DIGEST'),
  }),
  envSchema: z
    .object({
      CAPF_KMS_KEY_ID: neededVar('CAPF_KMS_KEY_ID', 'CAPF_ISSUER=capf-kms', 'the KMS asymmetric signing key'),
      CAPF_CA_CERT_SECRET_ARN: neededVar('CAPF_CA_CERT_SECRET_ARN', 'CAPF_ISSUER=capf-kms', 'the secret holding the CA certificate of that key'),
      CAPF_KMS_MESSAGE_TYPE: optionalVar('CAPF_KMS_MESSAGE_TYPE')
        .transform((value) => value?.toUpperCase())
        .refine((value) => value === undefined || (KMS_MESSAGE_TYPES as readonly string[]).includes(value), {
          error: 'CAPF_KMS_MESSAGE_TYPE must be DIGEST or RAW',
        }),
    })
    .transform((env) => ({
      settings: { kmsKeyId: env.CAPF_KMS_KEY_ID, caCertSecretId: env.CAPF_CA_CERT_SECRET_ARN, kmsMessageType: env.CAPF_KMS_MESSAGE_TYPE ?? 'DIGEST' },
    })),
});

export type CapfKmsSettings = z.output<typeof capfKmsIssuer.settingsSchema>;
