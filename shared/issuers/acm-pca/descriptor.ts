// F1 (beyond): AWS Private CA signs the phone's CSR. PCA cannot sign a bare public key, so the phone is asked for a CSR.
// factory.ts builds it (and only then is the Private CA SDK loaded).
import * as z from 'zod';
import { neededVar, optionalVar } from '../../util/env-parse.ts';
import { defineIssuer } from '../descriptor.ts';
import { acmPcaSettingsSchema } from './settings.ts';

export const acmPcaIssuer = defineIssuer({
  kind: 'acm-pca',
  summary: 'AWS Private CA signs the phone-made CSR (template EndEntityClientAuthCertificate/V1 by default)',
  keyDelivery: 'csr',
  fipsRefusal: 'acm-pca needs the CSR flow, which FIPS mode (F17) disables; use capf-software or capf-kms',
  settingsSchema: acmPcaSettingsSchema,
  envSchema: z
    .object({
      CAPF_PCA_ARN: neededVar('CAPF_PCA_ARN', 'CAPF_ISSUER=acm-pca', 'the AWS Private CA that signs'),
      CAPF_PCA_TEMPLATE_ARN: optionalVar('CAPF_PCA_TEMPLATE_ARN'),
    })
    .transform((env) => ({ settings: { pcaArn: env.CAPF_PCA_ARN, ...(env.CAPF_PCA_TEMPLATE_ARN ? { templateArn: env.CAPF_PCA_TEMPLATE_ARN } : {}) } })),
});

export type AcmPcaSettings = z.output<typeof acmPcaIssuer.settingsSchema>;
