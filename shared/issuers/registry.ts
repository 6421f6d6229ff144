// The one place that knows every issuer. Each backend has a folder named after its kind, with a descriptor
// (descriptor.ts: what it is, how the phone delivers its key, its settings) and a factory (factory.ts: how to build it,
// loaded by create.ts only when that issuer is built). The sign function, the listener, `capf serve` (one process or a
// cluster) and the tests find issuers here and nowhere else. Adding an issuer: its folder, and its line below.
import { ConfigError } from '../errors.ts';
import { acmPcaIssuer } from './acm-pca/descriptor.ts';
import { capfKmsIssuer } from './capf-kms/descriptor.ts';
import { capfSoftwareIssuer } from './capf-software/descriptor.ts';
import { checkSettings, type IssuerDescriptor, type SettingsSource } from './descriptor.ts';
import { microsoftCaIssuer } from './microsoft-ca/descriptor.ts';
import { offlineIssuer } from './offline/descriptor.ts';

/** Every issuer; the first is the default (F1: the CAPF CA with a software key). */
export const ISSUERS = [capfSoftwareIssuer, capfKmsIssuer, acmPcaIssuer, microsoftCaIssuer, offlineIssuer] as const;

export type IssuerKind = (typeof ISSUERS)[number]['kind'];
export const ISSUER_KINDS: readonly IssuerKind[] = ISSUERS.map((descriptor) => descriptor.kind);
export const DEFAULT_ISSUER_KIND: IssuerKind = ISSUERS[0].kind;

export function isIssuerKind(value: string): value is IssuerKind {
  return (ISSUER_KINDS as readonly string[]).includes(value);
}

/** The descriptor of `kind`; ConfigError naming the known kinds for anything else. */
export function issuerDescriptor(kind: string): IssuerDescriptor<IssuerKind> {
  const descriptor = ISSUERS.find((candidate) => candidate.kind === kind);
  if (!descriptor) throw new ConfigError(`issuer must be one of ${ISSUER_KINDS.join(', ')}; got ${JSON.stringify(kind.slice(0, 32))}`, 'ISSUER_CONFIG');
  return descriptor;
}

/** Checks `settings` for `kind` and returns them parsed: a ConfigError names `where` and each bad field, never a value. */
export function checkIssuerSettings(kind: IssuerKind, settings: unknown, where: string): unknown {
  return checkSettings(issuerDescriptor(kind).settingsSchema, settings, where);
}

/** An issuer as a deployment chose it: its kind and where its settings are. */
export interface IssuerChoice {
  kind: IssuerKind;
  source: SettingsSource;
}
