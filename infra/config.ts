// The deployment's settings, read from CDK context (cdk.json's "capf" object, then `-c key=value` overrides) and
// checked before anything is built, so a wrong value fails synth with a message instead of a broken stack.

/**
 * Which issuer signs LSCs: the kinds of the runtime's issuer registry (shared/issuers/registry.ts), passed on as
 * CAPF_ISSUER. infra imports no runtime code, so test/unit/infra/config.test.ts keeps this list equal to the registry's.
 */
export const ISSUER_KINDS = ['capf-software', 'capf-kms', 'acm-pca', 'microsoft-ca', 'offline'] as const;
export type IssuerKind = (typeof ISSUER_KINDS)[number];

/** Settings that were renamed, with what to write instead. */
const RENAMED_SETTINGS: Readonly<Record<string, string>> = {
  caBackend: `caBackend is now "issuer" (one of ${ISSUER_KINDS.join(', ')}, the names CAPF_ISSUER and \`capf serve --issuer\` use)`,
};

export interface CapfConfig {
  /** Short name (dev, prod...): names the stack and tags every resource; "prod" turns on termination protection. */
  environment: string;
  /** Target account and region; both unset means an environment-agnostic stack (synth needs no credentials). */
  account?: string;
  region?: string;
  issuer: IssuerKind;
  /** acm-pca only: use this existing private CA instead of creating one. */
  pcaArn?: string;
  /** microsoft-ca only: the AD CS web-enrollment host (must equal the CN/SAN of its HTTPS certificate). */
  onlineCaHost?: string;
  /** Who receives alarm and certificate-expiry notices (SNS email subscriptions). */
  emailRecipients: string[];
  /** The SES identity expiry emails are sent from; defaults to the first recipient. */
  senderEmail?: string;
  /** Listener tasks kept running; 0 only for the first deployment, before the TLS secret holds a certificate. */
  desiredListenerCount: number;
  maxListenerCount: number;
  /** Source ranges (IPv4 and IPv6) allowed to reach TCP 3804 on the load balancer. */
  allowedPhoneCidrs: string[];
  /** How long a stopping listener keeps its open sessions before the load balancer cuts them. */
  sessionDrainSeconds: number;
  /**
   * Lowest TLS version the listener accepts (its CAPF_MIN_TLS). TLSv1 only for 7900-series phones: it also adds the
   * CBC suites and AES128-SHA they need (listener/tls-policy.ts) and the listener warns at start.
   */
  minTls: MinTlsVersion;
  logRetentionDays: number;
  /** Directory of pre-bundled functions (<dir>/<id>/index.mjs); unset means esbuild bundles at synth. */
  prebuiltFunctionsDir?: string;
}

export type MinTlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';
const MIN_TLS_VERSIONS: readonly MinTlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2'];

export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
}

export const DEFAULT_CONFIG: CapfConfig = {
  environment: 'dev',
  issuer: 'capf-software',
  emailRecipients: [],
  desiredListenerCount: 2,
  maxListenerCount: 6,
  allowedPhoneCidrs: [],
  sessionDrainSeconds: 900,
  minTls: 'TLSv1.2',
  logRetentionDays: 90,
};

/** Every setting name: the defaulted ones plus those that may stay unset. */
const SETTING_KEYS: readonly string[] = [
  ...Object.keys(DEFAULT_CONFIG),
  ...['account', 'region', 'pcaArn', 'onlineCaHost', 'senderEmail', 'prebuiltFunctionsDir'],
];

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,15}$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;
const PCA_ARN = /^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[0-9a-f-]{36}$/;

export function isIpv6Cidr(cidr: string): boolean {
  return IPV6_CIDR.test(cidr);
}

/** Reads context through `get` (a construct node's tryGetContext) and returns a checked configuration. */
export function loadConfig(get: (key: string) => unknown): CapfConfig {
  const file = get('capf');
  if (file !== undefined && (typeof file !== 'object' || file === null || Array.isArray(file))) {
    throw new InfraConfigError('context "capf" must be an object of settings');
  }
  const layered = { ...(file as Record<string, unknown> | undefined) };
  for (const key of SETTING_KEYS) {
    const flat = get(key);
    if (flat !== undefined) layered[key] = flat;
  }
  return parseConfig(layered);
}

/** Checks raw settings (strings from the CLI, or JSON values from cdk.json) and fills in the defaults. */
export function parseConfig(raw: Record<string, unknown>): CapfConfig {
  const renamed = Object.keys(raw).find((key) => RENAMED_SETTINGS[key] !== undefined);
  if (renamed !== undefined) throw new InfraConfigError(RENAMED_SETTINGS[renamed] as string);
  const unknown = Object.keys(raw).filter((key) => !SETTING_KEYS.includes(key));
  if (unknown.length > 0) throw new InfraConfigError(`unknown setting(s): ${unknown.join(', ')}`);

  const config: CapfConfig = {
    environment: text(raw, 'environment') ?? DEFAULT_CONFIG.environment,
    account: text(raw, 'account'),
    region: text(raw, 'region'),
    issuer: (text(raw, 'issuer') ?? DEFAULT_CONFIG.issuer) as IssuerKind,
    pcaArn: text(raw, 'pcaArn'),
    onlineCaHost: text(raw, 'onlineCaHost'),
    emailRecipients: list(raw, 'emailRecipients') ?? DEFAULT_CONFIG.emailRecipients,
    senderEmail: text(raw, 'senderEmail'),
    desiredListenerCount: integer(raw, 'desiredListenerCount') ?? DEFAULT_CONFIG.desiredListenerCount,
    maxListenerCount: integer(raw, 'maxListenerCount') ?? DEFAULT_CONFIG.maxListenerCount,
    allowedPhoneCidrs: list(raw, 'allowedPhoneCidrs') ?? DEFAULT_CONFIG.allowedPhoneCidrs,
    sessionDrainSeconds: integer(raw, 'sessionDrainSeconds') ?? DEFAULT_CONFIG.sessionDrainSeconds,
    minTls: (text(raw, 'minTls') ?? DEFAULT_CONFIG.minTls) as MinTlsVersion,
    logRetentionDays: integer(raw, 'logRetentionDays') ?? DEFAULT_CONFIG.logRetentionDays,
    prebuiltFunctionsDir: text(raw, 'prebuiltFunctionsDir'),
  };
  check(config);
  return config;
}

function check(c: CapfConfig): void {
  if (!ENVIRONMENT_NAME.test(c.environment)) {
    throw new InfraConfigError(`environment "${c.environment}" must be 1-16 lowercase letters, digits or dashes, starting with a letter`);
  }
  if (c.account !== undefined && !/^\d{12}$/.test(c.account)) throw new InfraConfigError(`account "${c.account}" must be 12 digits`);
  if (c.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(c.region)) throw new InfraConfigError(`region "${c.region}" is not an AWS region name`);
  if (!(ISSUER_KINDS as readonly string[]).includes(c.issuer)) {
    throw new InfraConfigError(`issuer "${c.issuer}" must be one of ${ISSUER_KINDS.join(', ')}`);
  }
  if (c.pcaArn !== undefined && (c.issuer !== 'acm-pca' || !PCA_ARN.test(c.pcaArn))) {
    throw new InfraConfigError('pcaArn must be an ACM PCA certificate-authority ARN and needs issuer=acm-pca');
  }
  if (c.issuer === 'microsoft-ca' && c.onlineCaHost === undefined) {
    throw new InfraConfigError('issuer=microsoft-ca needs onlineCaHost (the /certsrv host name)');
  }
  if (c.onlineCaHost !== undefined && (c.issuer !== 'microsoft-ca' || !HOST_NAME.test(c.onlineCaHost))) {
    throw new InfraConfigError('onlineCaHost must be a DNS host name and needs issuer=microsoft-ca');
  }
  for (const email of [...c.emailRecipients, ...(c.senderEmail ? [c.senderEmail] : [])]) {
    if (!EMAIL.test(email)) throw new InfraConfigError(`"${email}" is not an email address`);
  }
  if (c.desiredListenerCount < 0 || c.maxListenerCount < Math.max(1, c.desiredListenerCount) || c.maxListenerCount > 100) {
    throw new InfraConfigError('listener counts need 0 <= desiredListenerCount <= maxListenerCount, 1 <= maxListenerCount <= 100');
  }
  for (const cidr of c.allowedPhoneCidrs) {
    if (!IPV4_CIDR.test(cidr) && !isIpv6Cidr(cidr)) throw new InfraConfigError(`allowedPhoneCidrs: "${cidr}" is not an IPv4 or IPv6 CIDR`);
  }
  // 3600 s is the load balancer's maximum deregistration delay.
  if (c.sessionDrainSeconds < 0 || c.sessionDrainSeconds > 3600) throw new InfraConfigError('sessionDrainSeconds must be 0-3600');
  if (!MIN_TLS_VERSIONS.includes(c.minTls)) {
    throw new InfraConfigError(`minTls "${c.minTls}" must be one of ${MIN_TLS_VERSIONS.join(', ')} (TLSv1 only for 7900-series phones)`);
  }
  if (!LOG_RETENTION_DAYS.includes(c.logRetentionDays)) {
    throw new InfraConfigError(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
}

function text(raw: Record<string, unknown>, key: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new InfraConfigError(`${key} must be a string`);
  return value.trim();
}

/** A JSON array from cdk.json, or a comma-separated string from `-c key=a,b`. */
function list(raw: Record<string, unknown>, key: string): string[] | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
    throw new InfraConfigError(`${key} must be a list of strings (JSON array, or comma-separated on the command line)`);
  }
  return (items as string[]).map((item) => item.trim()).filter((item) => item.length > 0);
}

function integer(raw: Record<string, unknown>, key: string): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isInteger(parsed)) throw new InfraConfigError(`${key} must be an integer`);
  return parsed;
}
