// shared/issuers: the issuer backends (one folder each, with its descriptor) and the registry that picks one.
export * from './registry.ts';
export type { IssuerClients, IssuerContext, IssuerDescriptor, SettingsSource } from './descriptor.ts';
export { readTrustBundle } from './trust-bundle.ts';
