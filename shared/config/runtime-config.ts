// The environment of the sign function and of the listener, parsed once at start. Every failure is a ConfigError whose
// message names the variable, so a wrong deployment says what to fix instead of failing at the first phone. Which
// variables an issuer needs is its descriptor's business (shared/issuers/*/descriptor.ts).
import * as z from 'zod';
import { DEFAULT_ISSUER_KIND, ISSUER_KINDS, isIssuerKind, issuerDescriptor, type IssuerChoice, type IssuerKind } from '../issuers/registry.ts';
import { MAX_CIDRS, parseCidrList } from '../util/cidr.ts';
import { booleanVar, envError, optionalVar, parseEnv, portVar, requiredVar, urlVar, type Env } from '../util/env-parse.ts';

export interface SignConfig {
  tableName: string;
  /** CAPF_ISSUER and where its settings are (F1, F2). */
  issuer: IssuerChoice;
  /** F17: only FIPS-approved algorithms; no online CA and no CSR flow. */
  fipsMode: boolean;
  /** CAPF-trust (CAPF_TRUST_SECRET_ARN): the online CA's site certificate may chain to it. */
  trustSecretId?: string;
}

export interface ListenerConfig {
  tableName: string;
  /** Name or ARN of the sign function the listener invokes. */
  signFunction: string;
  host: string;
  port: number;
  fipsMode: boolean;
  /** CAPF_ISSUER, so the listener asks phones for a bare key or a CSR (the issuer descriptor's keyDelivery). */
  issuer: IssuerKind;
  /** Secret holding the CAPF TLS certificate and key `{ certificatePem, privateKeyPem }`. */
  tlsSecretId: string;
  /** The secret whose text is the key authentication strings are hashed with (CAPF_AUTH_KEY_SECRET_ARN). */
  authKeySecretId?: string;
  /** TLSv1 only for old phones that need it; otherwise the listener's default. */
  minTlsVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';
  /** 'v2' behind a load balancer sending PROXY protocol v2 (CAPF_PROXY_PROTOCOL); 'off' otherwise. */
  proxyProtocol: 'off' | 'v2';
  healthPort: number;
  /** How long a SIGTERM drain waits for sessions to finish. */
  drainMs: number;
  /** Sessions held at once; more are refused until one ends (the task's memory is sized for this many). */
  maxSessions: number;
  /** CIDR blocks of the phone networks (CAPF_PHONE_NETWORKS): a larger per-address failure budget inside them. */
  phoneNetworks: string[];
}

export const CAPF_PORT = 3804;

const issuerKindVar = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === '') return DEFAULT_ISSUER_KIND;
    if (isIssuerKind(value)) return value;
    ctx.addIssue({ code: 'custom', message: `CAPF_ISSUER must be one of ${ISSUER_KINDS.join(', ')}; got "${value.slice(0, 32)}"` });
    return z.NEVER;
  });

/** The SDK reads AWS_ENDPOINT_URL itself: only checked, so a malformed value is a ConfigError naming it. */
const endpointVar = urlVar('AWS_ENDPOINT_URL');

const signEnvSchema = z.object({
  CAPF_TABLE: requiredVar('CAPF_TABLE'),
  CAPF_ISSUER: issuerKindVar,
  CAPF_TRUST_SECRET_ARN: optionalVar('CAPF_TRUST_SECRET_ARN'),
  CAPF_FIPS_MODE: booleanVar('CAPF_FIPS_MODE', false),
  AWS_ENDPOINT_URL: endpointVar,
});

const minTlsVar = optionalVar('CAPF_MIN_TLS').refine((value) => value === undefined || ['TLSv1', 'TLSv1.1', 'TLSv1.2'].includes(value), {
  error: 'CAPF_MIN_TLS must be TLSv1, TLSv1.1 or TLSv1.2',
});

const proxyProtocolVar = optionalVar('CAPF_PROXY_PROTOCOL').transform((value, ctx) => {
  const mode = value?.toLowerCase() ?? 'off';
  if (mode === 'off' || mode === 'v2') return mode;
  ctx.addIssue({ code: 'custom', message: `CAPF_PROXY_PROTOCOL must be v2 (behind a load balancer that sends PROXY protocol v2) or off; got "${value?.slice(0, 32)}"` });
  return z.NEVER;
});

const drainMsVar = optionalVar('CAPF_DRAIN_MS').transform((value, ctx) => {
  if (value === undefined) return 60_000;
  const ms = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(ms <= 900_000)) {
    ctx.addIssue({ code: 'custom', message: 'CAPF_DRAIN_MS must be a whole number of milliseconds up to 900000' });
    return z.NEVER;
  }
  return ms;
});

/** The default of CAPF_MAX_SESSIONS, as the listener's own default. */
export const DEFAULT_MAX_SESSIONS = 2_000;

const maxSessionsVar = optionalVar('CAPF_MAX_SESSIONS').transform((value, ctx) => {
  if (value === undefined) return DEFAULT_MAX_SESSIONS;
  const sessions = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(sessions >= 1 && sessions <= 100_000)) {
    ctx.addIssue({ code: 'custom', message: 'CAPF_MAX_SESSIONS must be a whole number from 1 to 100000' });
    return z.NEVER;
  }
  return sessions;
});

/** Comma- or space-separated CIDR blocks; in AWS the deployment's allowed phone ranges (infra config allowedPhoneCidrs). */
const phoneNetworksVar = z
  .string()
  .max(64 * MAX_CIDRS, { error: `CAPF_PHONE_NETWORKS is longer than ${64 * MAX_CIDRS} characters` })
  .optional()
  .transform((value, ctx) => {
    const blocks = (value ?? '').split(/[\s,]+/).filter((item) => item.length > 0);
    try {
      parseCidrList(blocks);
      return blocks;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `CAPF_PHONE_NETWORKS: ${error instanceof Error ? error.message : String(error)}` });
      return z.NEVER;
    }
  });

const listenerEnvSchema = z
  .object({
    CAPF_TABLE: requiredVar('CAPF_TABLE'),
    CAPF_SIGN_FUNCTION: requiredVar('CAPF_SIGN_FUNCTION'),
    CAPF_ISSUER: issuerKindVar,
    CAPF_TLS_SECRET_ARN: requiredVar('CAPF_TLS_SECRET_ARN'),
    CAPF_AUTH_KEY_SECRET_ARN: optionalVar('CAPF_AUTH_KEY_SECRET_ARN'),
    CAPF_HOST: optionalVar('CAPF_HOST'),
    CAPF_PORT: portVar('CAPF_PORT', CAPF_PORT),
    CAPF_MIN_TLS: minTlsVar,
    CAPF_PROXY_PROTOCOL: proxyProtocolVar,
    CAPF_HEALTH_PORT: portVar('CAPF_HEALTH_PORT', 8080),
    CAPF_DRAIN_MS: drainMsVar,
    CAPF_MAX_SESSIONS: maxSessionsVar,
    CAPF_PHONE_NETWORKS: phoneNetworksVar,
    CAPF_FIPS_MODE: booleanVar('CAPF_FIPS_MODE', false),
    AWS_ENDPOINT_URL: endpointVar,
  })
  .transform(
    (raw): ListenerConfig => ({
      tableName: raw.CAPF_TABLE,
      signFunction: raw.CAPF_SIGN_FUNCTION,
      host: raw.CAPF_HOST ?? '::', // dual stack (F16); IPv6 peers are filtered by the ipv6Enabled parameter
      port: raw.CAPF_PORT,
      fipsMode: raw.CAPF_FIPS_MODE,
      issuer: raw.CAPF_ISSUER,
      tlsSecretId: raw.CAPF_TLS_SECRET_ARN,
      ...(raw.CAPF_AUTH_KEY_SECRET_ARN ? { authKeySecretId: raw.CAPF_AUTH_KEY_SECRET_ARN } : {}),
      minTlsVersion: raw.CAPF_MIN_TLS as ListenerConfig['minTlsVersion'],
      proxyProtocol: raw.CAPF_PROXY_PROTOCOL,
      healthPort: raw.CAPF_HEALTH_PORT,
      drainMs: raw.CAPF_DRAIN_MS,
      maxSessions: raw.CAPF_MAX_SESSIONS,
      phoneNetworks: raw.CAPF_PHONE_NETWORKS,
    }),
  );

/** Every variable the listener reads, with its parser (the infra tests check the task's environment against it). */
export const LISTENER_ENV_VARIABLES = listenerEnvSchema.in;

/**
 * Reads the sign function's environment: CAPF_TABLE, CAPF_ISSUER and the variables that issuer needs, CAPF_TRUST_SECRET_ARN,
 * CAPF_FIPS_MODE. Every problem, of the common variables and of the issuer's, is named in one ConfigError.
 */
export function loadSignConfig(env: Env = process.env): SignConfig {
  const common = signEnvSchema.safeParse(env);
  const kind = common.success ? common.data.CAPF_ISSUER : issuerKindVar.safeParse(env.CAPF_ISSUER).data;
  const source = kind === undefined ? undefined : issuerDescriptor(kind).envSchema.safeParse(env);
  if (!common.success || !source?.success) {
    throw envError([...(common.error?.issues ?? []), ...(source?.error?.issues ?? [])], 'sign function');
  }
  const { CAPF_TABLE, CAPF_ISSUER, CAPF_TRUST_SECRET_ARN, CAPF_FIPS_MODE } = common.data;
  return {
    tableName: CAPF_TABLE,
    issuer: { kind: CAPF_ISSUER, source: source.data },
    fipsMode: CAPF_FIPS_MODE,
    ...(CAPF_TRUST_SECRET_ARN ? { trustSecretId: CAPF_TRUST_SECRET_ARN } : {}),
  };
}

/**
 * Reads the listener's environment: CAPF_TABLE, CAPF_SIGN_FUNCTION, CAPF_TLS_SECRET_ARN (required); CAPF_ISSUER,
 * CAPF_HOST (::), CAPF_PORT (3804), CAPF_MIN_TLS, CAPF_PROXY_PROTOCOL (off), CAPF_HEALTH_PORT
 * (8080), CAPF_DRAIN_MS (60000), CAPF_MAX_SESSIONS (2000), CAPF_PHONE_NETWORKS (none), CAPF_AUTH_KEY_SECRET_ARN (without it auth-string mode refuses),
 * CAPF_FIPS_MODE.
 */
export function loadListenerConfig(env: Env = process.env): ListenerConfig {
  return parseEnv(listenerEnvSchema, env, 'listener');
}
