// What the acm-pca issuer takes, for the descriptor (settings files and secrets) and the issuer alike.
import * as z from 'zod';

/** KU digitalSignature + keyEncipherment (what CUCM phones demand of an LSC), EKU clientAuth. */
export const DEFAULT_PCA_TEMPLATE_ARN = 'arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1';

export const PCA_ARN = /^arn:[\w-]+:acm-pca:/;

export const acmPcaSettingsSchema = z.strictObject({
  pcaArn: z.string().max(2048).regex(PCA_ARN, 'must be an ACM PCA certificate authority ARN'),
  templateArn: z.string().min(1).max(2048).default(DEFAULT_PCA_TEMPLATE_ARN),
});
