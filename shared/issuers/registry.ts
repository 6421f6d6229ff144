// The one place that knows every issuer. Each backend folder exports a descriptor (descriptor.ts there); this list is
// how the sign function, the listener, `capf serve` (one process or a cluster) and the tests find them. Adding an
// issuer: a new folder with its descriptor, imported and listed here.
import { ConfigError } from '../errors.ts';
import type { Issuer } from '../ports/index.ts';
import { acmPcaIssuer } from './acm-pca/descriptor.ts';
import { capfKmsIssuer, capfSoftwareIssuer } from './capf-ca/descriptor.ts';
import { readJsonSecret } from './ca-secret.ts';
import { checkSettings, secretsManagerOf, type IssuerClients, type IssuerContext, type IssuerDescriptor, type SettingsSource } from './descriptor.ts';
import { microsoftCaIssuer } from './microsoft-ca/descriptor.ts';
import { readTrustBundle } from './trust-bundle.ts';

/** Every issuer; the first is the default (F1: the CAPF CA with a software key). */
export const ISSUERS = [capfSoftwareIssuer, capfKmsIssuer, acmPcaIssuer, microsoftCaIssuer] as const;

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

/** An issuer as a deployment chose it: its kind and where its settings are. */
export interface IssuerChoice {
  kind: IssuerKind;
  source: SettingsSource;
}

/** Checks `settings` for `kind` without building the issuer: a ConfigError names `where` and each bad field. */
export function checkIssuerSettings(kind: IssuerKind, settings: unknown, where: string): void {
  checkSettings(issuerDescriptor(kind).settingsSchema, settings, where);
}

/** Builds `kind` from `settings` (JSON: a settings file's or secret's content), refusing what FIPS mode disables. */
export async function createIssuerFromSettings(kind: IssuerKind, settings: unknown, context: IssuerContext, where?: string): Promise<Issuer> {
  const descriptor = issuerDescriptor(kind);
  checkFips(descriptor, context);
  return descriptor.create(settings, context, where);
}

/** What the sign function's environment configures (loadSignConfig). */
export interface ConfiguredIssuer {
  issuer: IssuerChoice;
  fipsMode: boolean;
  /** CAPF-trust's secret, which the online CA's site certificate may chain to. */
  trustSecretId?: string;
}

/** The sign function's issuer as its environment configured it; its settings secret is read first when there is one. */
export async function createIssuer(config: ConfiguredIssuer, clients: IssuerClients = {}): Promise<Issuer> {
  const context: IssuerContext = { fipsMode: config.fipsMode, clients };
  const trustSecretId = config.trustSecretId;
  if (trustSecretId) {
    context.capfTrust = { readPem: async () => readTrustBundle(await secretsManagerOf(context), trustSecretId), where: 'CAPF-trust (CAPF_TRUST_SECRET_ARN)' };
  }
  return createChosenIssuer(config.issuer, context);
}

async function createChosenIssuer(choice: IssuerChoice, context: IssuerContext): Promise<Issuer> {
  const descriptor = issuerDescriptor(choice.kind);
  checkFips(descriptor, context); // before any secret is read: nothing in it could make the issuer allowed
  if ('settings' in choice.source) return descriptor.create(choice.source.settings, context, `${choice.kind} settings`);
  const { secretId, variable } = choice.source;
  const settings = await readJsonSecret(await secretsManagerOf(context), secretId, 'settings secret');
  if (settings === undefined) throw new ConfigError(`the ${choice.kind} settings secret ${secretId} (${variable}) does not exist or is empty`, 'ISSUER_CONFIG');
  return descriptor.create(settings, context, `settings secret ${secretId} (${variable})`);
}

function checkFips(descriptor: IssuerDescriptor, context: IssuerContext): void {
  if (context.fipsMode && descriptor.fipsRefusal) {
    throw new ConfigError(`CAPF_ISSUER=${descriptor.kind} is not allowed with CAPF_FIPS_MODE: ${descriptor.fipsRefusal}`, 'FIPS');
  }
}
