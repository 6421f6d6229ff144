// F2: an online Microsoft CA (AD CS web enrollment, /certsrv over HTTPS) signs the phone-made CSR. Its settings and
// enrollment account live in a secret in AWS (CAPF_ONLINE_CA_SECRET_ARN) and in a JSON file for the local stack
// (`capf serve --issuer microsoft-ca --issuer-config FILE`), with the same fields. The site's HTTPS certificate must
// chain to CAPF-trust or to the settings' trustedCaPem. The issuer (HTTPS, NTLM) is loaded only when it is built.
import * as z from 'zod';
import { ConfigError } from '../../errors.ts';
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
  async create(settings, context, where) {
    const trustedCaPem = [...settings.trustedCaPem, ...((await context.capfTrust?.readPem()) ?? [])];
    if (trustedCaPem.length === 0) {
      const places = context.capfTrust ? `${context.capfTrust.where} or to trustedCaPem in ${where}` : `trustedCaPem in ${where}`;
      throw new ConfigError(`no CA to check https://${settings.host}'s certificate against: add the chain of the site's HTTPS certificate to ${places}`, 'ONLINE_CA_CONFIG');
    }
    const { MicrosoftCaIssuer } = await import('./microsoft-ca-issuer.ts');
    return new MicrosoftCaIssuer({ ...settings, trustedCaPem });
  },
});
