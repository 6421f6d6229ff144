// What every issuer backend exports: one descriptor, listed in registry.ts. A descriptor says how the phone delivers
// its key to this issuer (a bare public key or a CSR), what settings it takes (a zod schema: the JSON of the AWS
// settings secret, or of `capf serve --issuer-config FILE`), where the sign function's environment keeps them, and
// how to build the issuer from checked settings. Composition roots never pick a backend any other way.
import type { KeyObject } from 'node:crypto';
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as z from 'zod';
import { requestLimits } from '../aws-limits.ts';
import { ConfigError } from '../errors.ts';
import type { Issuer, KeyDelivery } from '../ports/index.ts';
import { acmPcaSdk, kmsSdk, secretsManagerSdk } from './aws-sdk.ts';

/** AWS clients an issuer may use; any left out is created with the SDK defaults (region, credentials, AWS_ENDPOINT_URL). */
export interface IssuerClients {
  secretsManager?: SecretsManagerClient;
  kms?: KMSClient;
  acmPca?: ACMPCAClient;
}

/** What the composition root hands every issuer it builds, besides the issuer's own settings. */
export interface IssuerContext {
  /** F17: FIPS-approved algorithms only. */
  fipsMode: boolean;
  clients?: IssuerClients;
  /**
   * CAPF-trust: CAs the online CA's HTTPS certificate may chain to, as PEM (AWS: the CAPF-trust secret; the local
   * stack: its CA and `<data>/capf-trust/`), and where an administrator adds one.
   */
  capfTrust?: { readPem(): Promise<string[]>; where: string };
  /** The CAPF CA the composition root keeps itself (the local stack's key file): capf-software signs with it. */
  localCa?: { certificateDer: Uint8Array; privateKey: KeyObject };
}

/** Where the sign function's environment keeps an issuer's settings: in variables, or in a secret a variable names. */
export type SettingsSource = { settings: Record<string, unknown> } | { secretId: string; variable: string };

/** What a backend folder defines; defineIssuer turns it into the descriptor the registry lists. */
export interface IssuerSpec<K extends string, S> {
  kind: K;
  /** One line for help texts and errors. */
  summary: string;
  keyDelivery: KeyDelivery;
  /** Set when FIPS mode (F17) cannot allow this issuer: why, and what to use instead. */
  fipsRefusal?: string;
  settingsSchema: z.ZodType<S>;
  /**
   * The sign function's environment (CAPF_* variables) as a schema whose output is the settings source; its messages
   * name the variable (env-parse helpers).
   */
  envSchema: z.ZodType<SettingsSource>;
  /** Builds the issuer from checked settings; `where` names them in errors. */
  create(settings: S, context: IssuerContext, where: string): Promise<Issuer>;
}

export interface IssuerDescriptor<K extends string = string> {
  readonly kind: K;
  readonly summary: string;
  readonly keyDelivery: KeyDelivery;
  readonly fipsRefusal?: string;
  readonly settingsSchema: z.ZodType;
  readonly envSchema: z.ZodType<SettingsSource>;
  /**
   * Checks `settings` (ConfigError naming each bad field, never echoing a value) and builds the issuer. `where` names
   * the settings in errors: "issuer config ./adcs.json", "settings secret capf/online-ca".
   */
  create(settings: unknown, context: IssuerContext, where?: string): Promise<Issuer>;
}

export function defineIssuer<K extends string, S>(spec: IssuerSpec<K, S>): IssuerDescriptor<K> {
  return {
    kind: spec.kind,
    summary: spec.summary,
    keyDelivery: spec.keyDelivery,
    ...(spec.fipsRefusal ? { fipsRefusal: spec.fipsRefusal } : {}),
    settingsSchema: spec.settingsSchema,
    envSchema: spec.envSchema,
    create: (settings, context, where = `${spec.kind} settings`) => spec.create(checkSettings(spec.settingsSchema, settings, where), context, where),
  };
}

/** Parses settings; a failure is one ConfigError line naming the fields and the rule, without their values. */
export function checkSettings<S>(schema: z.ZodType<S>, settings: unknown, where: string): S {
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`);
  throw new ConfigError(`${where}: ${problems.join('; ')}`, 'ISSUER_CONFIG');
}

/**
 * Limits of the AWS clients issuers make. Each call (secret read, KMS Sign, PCA poll) answers in well under a second;
 * without a limit a stalled one would hold the sign function's 30 s and the issuance lease (KMS allows 300 s, PCA none).
 */
const AWS_CLIENT_LIMITS = { maxAttempts: 2, requestHandler: requestLimits(5_000) };

// Each SDK is imported when an issuer first needs its client (see aws-sdk.ts).
export async function secretsManagerOf(context: IssuerContext): Promise<SecretsManagerClient> {
  return context.clients?.secretsManager ?? new (await secretsManagerSdk()).SecretsManagerClient(AWS_CLIENT_LIMITS);
}

export async function kmsOf(context: IssuerContext): Promise<KMSClient> {
  return context.clients?.kms ?? new (await kmsSdk()).KMSClient(AWS_CLIENT_LIMITS);
}

export async function acmPcaOf(context: IssuerContext): Promise<ACMPCAClient> {
  return context.clients?.acmPca ?? new (await acmPcaSdk()).ACMPCAClient(AWS_CLIENT_LIMITS);
}
