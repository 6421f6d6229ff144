// A faithful local stand-in for AD CS Web Enrollment (/certsrv over HTTPS), per docs/online-ca.md §4. Tests import
// `startCertsrvEmulator`; the `capf certsrv-emulator` demo command calls `runCertsrvEmulatorCli(argv)`.
export {
  DEFAULT_ACCOUNT,
  DEFAULT_TEMPLATE,
  startCertsrvEmulator,
  type AuthScheme,
  type CertsrvEmulator,
  type CertsrvEmulatorMode,
  type CertsrvEmulatorOptions,
  type RecordedRequest,
} from './server.ts';
export type { EmulatorTemplate } from './routes.ts';
export type { EmulatorAccount } from './auth.ts';
export type { TlsCertificateKind } from './ca.ts';
export type { CaRequestRecord, RequestStatus } from './database.ts';
export { CERTSRV_LOCALES, type CertsrvLocale } from './locales.ts';
export { runCertsrvEmulatorCli } from './cli.ts';
export { emulatorIssuerSettings, type EmulatorIssuerSettings } from './issuer-settings.ts';
