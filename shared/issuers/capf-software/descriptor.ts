// F1, the default issuer: the CAPF CA (shared/issuers/capf-ca) with a software key, in a Secrets Manager secret
// generated at first start, or the local stack's key file. The phone sends a bare public key.
import * as z from 'zod';
import { neededVar } from '../../util/env-parse.ts';
import { defineIssuer } from '../descriptor.ts';

export const capfSoftwareIssuer = defineIssuer({
  kind: 'capf-software',
  summary: 'the CAPF CA with a software key (Secrets Manager, or the local key file), generated at first start',
  keyDelivery: 'public-key',
  settingsSchema: z.strictObject({
    /** The secret holding `{ certificatePem, privateKeyPem }`; without it the local stack's CA key file signs. */
    caSecretId: z.string().min(1).max(2048).optional(),
  }),
  envSchema: z
    .object({ CAPF_CA_SECRET_ARN: neededVar('CAPF_CA_SECRET_ARN', 'CAPF_ISSUER=capf-software', 'the secret holding the CA certificate and key') })
    .transform((env) => ({ settings: { caSecretId: env.CAPF_CA_SECRET_ARN } })),
});

export type CapfSoftwareSettings = z.output<typeof capfSoftwareIssuer.settingsSchema>;
