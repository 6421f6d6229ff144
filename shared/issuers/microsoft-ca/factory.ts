// Builds the microsoft-ca issuer: the settings' CAs and CAPF-trust together are what the site's HTTPS certificate may
// chain to; with none of either nothing could be checked, so the start stops with what to add where.
import { ConfigError } from '../../errors.ts';
import type { IssuerFactory } from '../descriptor.ts';
import { MicrosoftCaIssuer } from './microsoft-ca-issuer.ts';
import type { MicrosoftCaSettings } from './settings.ts';

export const create: IssuerFactory<MicrosoftCaSettings> = async (settings, context, where) => {
  const trustedCaPem = [...settings.trustedCaPem, ...((await context.capfTrust?.readPem()) ?? [])];
  if (trustedCaPem.length === 0) {
    const places = context.capfTrust ? `${context.capfTrust.where} or to trustedCaPem in ${where}` : `trustedCaPem in ${where}`;
    throw new ConfigError(`no CA to check https://${settings.host}'s certificate against: add the chain of the site's HTTPS certificate to ${places}`, 'ONLINE_CA_CONFIG');
  }
  return new MicrosoftCaIssuer({ ...settings, trustedCaPem });
};
