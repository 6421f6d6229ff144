// The settings of the microsoft-ca issuer that reach a running emulator: the JSON of `capf serve --issuer microsoft-ca
// --issuer-config FILE` (and of the AWS online CA secret). The emulator's certificate names its host name, so the
// client connects to 127.0.0.1 while verifying that name.
import type { EmulatorAccount } from './auth.ts';
import { DEFAULT_ACCOUNT, DEFAULT_TEMPLATE, type CertsrvEmulator } from './server.ts';

export interface EmulatorIssuerSettings {
  host: string;
  port: number;
  connectAddress: string;
  template: string;
  username: string;
  password: string;
  auth: 'ntlm' | 'basic';
  trustedCaPem: string[];
}

export function emulatorIssuerSettings(
  emulator: Pick<CertsrvEmulator, 'hostname' | 'port' | 'caCertificatePem'>,
  options: { account?: EmulatorAccount; template?: string; auth?: 'ntlm' | 'basic' } = {},
): EmulatorIssuerSettings {
  const account = options.account ?? DEFAULT_ACCOUNT;
  return {
    host: emulator.hostname,
    port: emulator.port,
    connectAddress: '127.0.0.1',
    template: options.template ?? DEFAULT_TEMPLATE,
    username: `CORP\\${account.user}`,
    password: account.password,
    auth: options.auth ?? 'ntlm',
    trustedCaPem: [emulator.caCertificatePem],
  };
}
