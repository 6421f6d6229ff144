// What every issuer backend exports: a descriptor (listed in registry.ts) that says how the phone delivers its key to
// this issuer (a bare public key or a CSR), what settings it takes (a zod schema: the JSON of the AWS settings secret,
// or of `capf serve --issuer-config FILE`) and where the sign function's environment keeps them; and a factory that
// builds the issuer from checked settings (create.ts loads it). Composition roots never pick a backend any other way.
import type { KeyObject } from 'node:crypto';
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as z from 'zod';
import { ConfigError } from '../errors.ts';
import type { Issuer, KeyDelivery, PendingCsrStore } from '../ports/index.ts';

/** AWS clients an issuer may use; any left out is created with the SDK defaults (region, credentials, AWS_ENDPOINT_URL). */
export interface IssuerClients {
  secretsManager?: SecretsManagerClient;
  kms?: KMSClient;
  acmPca?: ACMPCAClient;
  /** The CSR bucket's (offline CA). */
  s3?: S3Client;
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
  /** The store of the offline CA's pending CSRs (the composition root's Stores.csrs). */
  pendingCsrs?: PendingCsrStore;
}

/** Where the sign function's environment keeps an issuer's settings: in variables, or in a secret a variable names. */
export type SettingsSource = { settings: Record<string, unknown> } | { secretId: string; variable: string };

/**
 * What an issuer is, without the code that builds it: its folder's `descriptor.ts` exports one, and registry.ts lists
 * them. The listener reads only these (how the phone delivers its key), so it never loads an issuer's code.
 */
export interface IssuerDescriptor<K extends string = string, S = unknown> {
  /** Also the name of the issuer's folder, whose `factory.ts` builds it (create.ts). */
  readonly kind: K;
  /** One line for help texts and errors. */
  readonly summary: string;
  readonly keyDelivery: KeyDelivery;
  /** Set when FIPS mode (F17) cannot allow this issuer: why, and what to use instead. */
  readonly fipsRefusal?: string;
  /** The settings: the JSON of `capf serve --issuer-config FILE`, of the AWS settings secret, or from the variables. */
  readonly settingsSchema: z.ZodType<S>;
  /**
   * The sign function's environment (CAPF_* variables) as a schema whose output is where the settings are; its messages
   * name the variable (env-parse helpers).
   */
  readonly envSchema: z.ZodType<SettingsSource>;
}

export function defineIssuer<K extends string, S>(descriptor: IssuerDescriptor<K, S>): IssuerDescriptor<K, S> {
  return descriptor;
}

/** What `<kind>/factory.ts` exports as `create`: builds the issuer from settings its descriptor's schema checked. */
export type IssuerFactory<S> = (settings: S, context: IssuerContext, where: string) => Promise<Issuer>;

/** Parses settings; a failure is one ConfigError line naming the fields and the rule, without their values. */
export function checkSettings<S>(schema: z.ZodType<S>, settings: unknown, where: string): S {
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`);
  throw new ConfigError(`${where}: ${problems.join('; ')}`, 'ISSUER_CONFIG');
}
