// Builds an issuer the registry knows: checks its settings against its descriptor's schema, refuses what FIPS mode
// disables, then loads `<kind>/factory.ts` (so a process loads the code, and the AWS SDK client, of the issuer it uses
// only) and builds it. The listener, which needs no issuer, imports the registry but never this.
import { ConfigError } from '../errors.ts';
import type { Issuer } from '../ports/index.ts';
import { secretsManagerOf } from './aws-clients.ts';
import { readJsonSecret } from './ca-secret.ts';
import type { IssuerClients, IssuerContext, IssuerDescriptor, IssuerFactory } from './descriptor.ts';
import { checkIssuerSettings, issuerDescriptor, type IssuerChoice, type IssuerKind } from './registry.ts';
import { readTrustBundle } from './trust-bundle.ts';

/** Builds `kind` from `settings` (JSON: a settings file's or secret's content); `where` names them in errors. */
export async function createIssuerFromSettings(kind: IssuerKind, settings: unknown, context: IssuerContext, where = `${kind} settings`): Promise<Issuer> {
  checkFips(issuerDescriptor(kind), context);
  const checked = checkIssuerSettings(kind, settings, where);
  // One file per issuer, found by its kind; bundlers include every `<kind>/factory.ts` as its own lazily loaded piece.
  const { create } = (await import(`./${kind}/factory.ts`)) as { create: IssuerFactory<unknown> };
  return create(checked, context, where);
}

/** What the sign function's environment configures (loadSignConfig). */
export interface ConfiguredIssuer {
  issuer: IssuerChoice;
  fipsMode: boolean;
  /** CAPF-trust's secret, which the online CA's site certificate may chain to. */
  trustSecretId?: string;
}

/**
 * The sign function's issuer as its environment configured it; its settings secret is read first when there is one.
 * `pendingCsrs`: the store the offline issuer records its CSRs in.
 */
export async function createIssuer(config: ConfiguredIssuer, clients: IssuerClients = {}, stores: Pick<IssuerContext, 'pendingCsrs'> = {}): Promise<Issuer> {
  const context: IssuerContext = { fipsMode: config.fipsMode, clients, ...stores };
  const trustSecretId = config.trustSecretId;
  if (trustSecretId) {
    context.capfTrust = { readPem: async () => readTrustBundle(await secretsManagerOf(context), trustSecretId), where: 'CAPF-trust (CAPF_TRUST_SECRET_ARN)' };
  }
  const { kind, source } = config.issuer;
  checkFips(issuerDescriptor(kind), context); // before any secret is read: nothing in it could make the issuer allowed
  if ('settings' in source) return createIssuerFromSettings(kind, source.settings, context);
  const { secretId, variable } = source;
  const settings = await readJsonSecret(await secretsManagerOf(context), secretId, 'settings secret');
  if (settings === undefined) throw new ConfigError(`the ${kind} settings secret ${secretId} (${variable}) does not exist or is empty`, 'ISSUER_CONFIG');
  return createIssuerFromSettings(kind, settings, context, `settings secret ${secretId} (${variable})`);
}

function checkFips(descriptor: IssuerDescriptor, context: IssuerContext): void {
  if (context.fipsMode && descriptor.fipsRefusal) {
    throw new ConfigError(`CAPF_ISSUER=${descriptor.kind} is not allowed with CAPF_FIPS_MODE: ${descriptor.fipsRefusal}`, 'FIPS');
  }
}
