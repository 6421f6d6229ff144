// shared/issuers: one folder per issuer (its descriptor and factory), the registry that lists them and the code that
// builds one (create.ts).
export * from './registry.ts';
export * from './create.ts';
export type { IssuerClients, IssuerContext, IssuerDescriptor, SettingsSource } from './descriptor.ts';
export { readTrustBundle } from './trust-bundle.ts';
