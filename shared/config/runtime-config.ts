// The environment of the sign function and of the listener, parsed once at start. Every failure is a ConfigError whose
// message names the variable, so a wrong deployment says what to fix instead of failing at the first phone.
import * as z from 'zod';
import { booleanVar, optionalVar, parseEnv, portVar, requiredVar, urlVar, type Env } from './env-parse.ts';

export const ISSUER_KINDS = ['capf-software', 'capf-kms', 'acm-pca', 'microsoft-ca'] as const;
export type IssuerKind = (typeof ISSUER_KINDS)[number];

/** How the KMS signer hands KMS the data: DIGEST (our SHA-256, the default) or RAW (KMS hashes; ≤ 4096 bytes). */
export type KmsMessageType = 'DIGEST' | 'RAW';

export const DEFAULT_PCA_TEMPLATE_ARN = 'arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1';

/** Which issuer signs, with what it needs to find its CA (F1, F2). */
export type IssuerConfig =
  | { kind: 'capf-software'; caSecretId: string }
  | { kind: 'capf-kms'; kmsKeyId: string; caCertSecretId: string; kmsMessageType: KmsMessageType }
  | { kind: 'acm-pca'; pcaArn: string; templateArn: string }
  /** trustSecretId: CAPF-trust (CAPF_TRUST_SECRET_ARN), which the site's HTTPS certificate may chain to as well. */
  | { kind: 'microsoft-ca'; onlineCaSecretId: string; trustSecretId?: string };

export interface SignConfig {
  tableName: string;
  issuer: IssuerConfig;
  /** F17: only FIPS-approved algorithms; no online CA and no CSR flow. */
  fipsMode: boolean;
}

export interface ListenerConfig {
  tableName: string;
  /** Name or ARN of the sign function the listener invokes. */
  signFunction: string;
  host: string;
  port: number;
  fipsMode: boolean;
  /** CAPF_ISSUER, so the listener asks phones for a bare key or a CSR (see issuerKeyDelivery). */
  issuer: IssuerKind;
  /** Secret holding the CAPF TLS certificate and key `{ certificatePem, privateKeyPem }`. */
  tlsSecretId: string;
  /** Optional secret holding a PEM bundle of further CAPF-trust CAs (MIC roots). */
  trustSecretId?: string;
  /** TLSv1 only for old phones that need it; otherwise the listener's default. */
  minTlsVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';
  /** 'v2' behind a load balancer sending PROXY protocol v2 (CAPF_PROXY_PROTOCOL); 'off' otherwise. */
  proxyProtocol: 'off' | 'v2';
  healthPort: number;
  /** How long a SIGTERM drain waits for sessions to finish. */
  drainMs: number;
  /** Sessions held at once; more are refused until one ends (the task's memory is sized for this many). */
  maxSessions: number;
}

/** Which issuers sign a phone-made CSR (CSR flow) rather than a bare public key. */
export function issuerKeyDelivery(kind: IssuerKind): 'public-key' | 'csr' {
  return kind === 'acm-pca' || kind === 'microsoft-ca' ? 'csr' : 'public-key';
}

export const CAPF_PORT = 3804;

const issuerKindVar = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === '') return 'capf-software' as IssuerKind; // F1: the default issuer
    if ((ISSUER_KINDS as readonly string[]).includes(value)) return value as IssuerKind;
    ctx.addIssue({ code: 'custom', message: `CAPF_ISSUER must be one of ${ISSUER_KINDS.join(', ')}; got "${value.slice(0, 32)}"` });
    return z.NEVER;
  });

const kmsMessageTypeVar = z
  .string()
  .trim()
  .toUpperCase()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value === '') return 'DIGEST' as KmsMessageType;
    if (value === 'DIGEST' || value === 'RAW') return value as KmsMessageType;
    ctx.addIssue({ code: 'custom', message: `CAPF_KMS_MESSAGE_TYPE must be DIGEST or RAW; got "${value.slice(0, 32)}"` });
    return z.NEVER;
  });

/** The SDK reads AWS_ENDPOINT_URL itself: only checked, so a malformed value is a ConfigError naming it. */
const endpointVar = urlVar('AWS_ENDPOINT_URL');

const signEnvSchema = z
  .object({
    CAPF_TABLE: requiredVar('CAPF_TABLE'),
    CAPF_ISSUER: issuerKindVar,
    CAPF_CA_SECRET_ARN: optionalVar('CAPF_CA_SECRET_ARN'),
    CAPF_KMS_KEY_ID: optionalVar('CAPF_KMS_KEY_ID'),
    CAPF_CA_CERT_SECRET_ARN: optionalVar('CAPF_CA_CERT_SECRET_ARN'),
    CAPF_KMS_MESSAGE_TYPE: kmsMessageTypeVar,
    CAPF_PCA_ARN: optionalVar('CAPF_PCA_ARN'),
    CAPF_PCA_TEMPLATE_ARN: optionalVar('CAPF_PCA_TEMPLATE_ARN'),
    CAPF_ONLINE_CA_SECRET_ARN: optionalVar('CAPF_ONLINE_CA_SECRET_ARN'),
    CAPF_TRUST_SECRET_ARN: optionalVar('CAPF_TRUST_SECRET_ARN'),
    CAPF_FIPS_MODE: booleanVar('CAPF_FIPS_MODE', false),
    AWS_ENDPOINT_URL: endpointVar,
  })
  .transform((raw, ctx): SignConfig => {
    const need = (variable: string, value: string | undefined, why: string): string => {
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', path: [variable], message: `${variable} is not set; CAPF_ISSUER=${raw.CAPF_ISSUER} needs it (${why})` });
        return '';
      }
      return value;
    };
    let issuer: IssuerConfig;
    switch (raw.CAPF_ISSUER) {
      case 'capf-software':
        issuer = { kind: 'capf-software', caSecretId: need('CAPF_CA_SECRET_ARN', raw.CAPF_CA_SECRET_ARN, 'the secret holding the CA certificate and key') };
        break;
      case 'capf-kms':
        issuer = {
          kind: 'capf-kms',
          kmsKeyId: need('CAPF_KMS_KEY_ID', raw.CAPF_KMS_KEY_ID, 'the KMS asymmetric signing key'),
          caCertSecretId: need('CAPF_CA_CERT_SECRET_ARN', raw.CAPF_CA_CERT_SECRET_ARN, 'the secret holding the CA certificate of that key'),
          kmsMessageType: raw.CAPF_KMS_MESSAGE_TYPE,
        };
        break;
      case 'acm-pca':
        issuer = {
          kind: 'acm-pca',
          pcaArn: need('CAPF_PCA_ARN', raw.CAPF_PCA_ARN, 'the AWS Private CA that signs'),
          templateArn: raw.CAPF_PCA_TEMPLATE_ARN ?? DEFAULT_PCA_TEMPLATE_ARN,
        };
        break;
      case 'microsoft-ca':
        issuer = {
          kind: 'microsoft-ca',
          onlineCaSecretId: need('CAPF_ONLINE_CA_SECRET_ARN', raw.CAPF_ONLINE_CA_SECRET_ARN, 'the online CA settings and credentials'),
          ...(raw.CAPF_TRUST_SECRET_ARN ? { trustSecretId: raw.CAPF_TRUST_SECRET_ARN } : {}),
        };
        break;
    }
    return { tableName: raw.CAPF_TABLE, issuer, fipsMode: raw.CAPF_FIPS_MODE };
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

const listenerEnvSchema = z
  .object({
    CAPF_TABLE: requiredVar('CAPF_TABLE'),
    CAPF_SIGN_FUNCTION: requiredVar('CAPF_SIGN_FUNCTION'),
    CAPF_ISSUER: issuerKindVar,
    CAPF_TLS_SECRET_ARN: requiredVar('CAPF_TLS_SECRET_ARN'),
    CAPF_TRUST_SECRET_ARN: optionalVar('CAPF_TRUST_SECRET_ARN'),
    CAPF_HOST: optionalVar('CAPF_HOST'),
    CAPF_PORT: portVar('CAPF_PORT', CAPF_PORT),
    CAPF_MIN_TLS: minTlsVar,
    CAPF_PROXY_PROTOCOL: proxyProtocolVar,
    CAPF_HEALTH_PORT: portVar('CAPF_HEALTH_PORT', 8080),
    CAPF_DRAIN_MS: drainMsVar,
    CAPF_MAX_SESSIONS: maxSessionsVar,
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
      trustSecretId: raw.CAPF_TRUST_SECRET_ARN,
      minTlsVersion: raw.CAPF_MIN_TLS as ListenerConfig['minTlsVersion'],
      proxyProtocol: raw.CAPF_PROXY_PROTOCOL,
      healthPort: raw.CAPF_HEALTH_PORT,
      drainMs: raw.CAPF_DRAIN_MS,
      maxSessions: raw.CAPF_MAX_SESSIONS,
    }),
  );

/** Every variable the listener reads, with its parser (the infra tests check the task's environment against it). */
export const LISTENER_ENV_VARIABLES = listenerEnvSchema.in;

/** Reads the sign function's environment (CAPF_TABLE, CAPF_ISSUER and what that issuer needs, CAPF_FIPS_MODE). */
export function loadSignConfig(env: Env = process.env): SignConfig {
  return parseEnv(signEnvSchema, env, 'sign function');
}

/**
 * Reads the listener's environment: CAPF_TABLE, CAPF_SIGN_FUNCTION, CAPF_TLS_SECRET_ARN (required); CAPF_ISSUER,
 * CAPF_TRUST_SECRET_ARN, CAPF_HOST (::), CAPF_PORT (3804), CAPF_MIN_TLS, CAPF_PROXY_PROTOCOL (off), CAPF_HEALTH_PORT
 * (8080), CAPF_DRAIN_MS (60000), CAPF_MAX_SESSIONS (2000), CAPF_FIPS_MODE.
 */
export function loadListenerConfig(env: Env = process.env): ListenerConfig {
  return parseEnv(listenerEnvSchema, env, 'listener');
}
