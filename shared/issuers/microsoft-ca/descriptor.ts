// F2: an online Microsoft CA (AD CS web enrollment, /certsrv over HTTPS) signs the phone-made CSR. Its settings and
// enrollment account live in a secret in AWS (CAPF_ONLINE_CA_SECRET_ARN) and in a JSON file for the local stack
// (`capf serve --issuer microsoft-ca --issuer-config FILE`), with the same fields. The site's HTTPS certificate must
// chain to CAPF-trust or to the settings' trustedCaPem. factory.ts builds it (with its HTTPS and NTLM code).
import * as z from 'zod';
import { neededVar } from '../../util/env-parse.ts';
import { defineIssuer } from '../descriptor.ts';
import { microsoftCaSettingsSchema } from './settings.ts';

export const microsoftCaIssuer = defineIssuer({
  kind: 'microsoft-ca',
  summary: 'an online Microsoft CA (AD CS web enrollment over HTTPS, NTLMv2 or Basic) signs the phone-made CSR',
  keyDelivery: 'csr',
  fipsRefusal: 'FIPS mode (F17) disables the online CA; use capf-software or capf-kms',
  settingsSchema: microsoftCaSettingsSchema,
  envSchema: z
    .object({
      CAPF_ONLINE_CA_SECRET_ARN: neededVar('CAPF_ONLINE_CA_SECRET_ARN', 'CAPF_ISSUER=microsoft-ca', 'the online CA settings and credentials'),
    })
    .transform((env) => ({ secretId: env.CAPF_ONLINE_CA_SECRET_ARN, variable: 'CAPF_ONLINE_CA_SECRET_ARN' })),
});
