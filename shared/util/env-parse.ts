// Small helpers that turn a zod failure on an environment object into a ConfigError naming the variable. Used by the
// runtime configuration (shared/config) and by each issuer's environment reading (shared/issuers/*/descriptor.ts).
import * as z from 'zod';
import { ConfigError } from '../errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** Longest value any CAPF variable may hold; ARNs and URLs are far shorter. */
export const MAX_ENV_VALUE_LENGTH = 2048;

/** A required, trimmed, bounded string variable. */
export function requiredVar(name: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${name} is not set` : `${name} must be a string`) })
    .trim()
    .min(1, { error: `${name} is empty` })
    .max(MAX_ENV_VALUE_LENGTH, { error: `${name} is longer than ${MAX_ENV_VALUE_LENGTH} characters` });
}

/** A variable one choice needs (`CAPF_ISSUER=capf-kms` needs CAPF_KMS_KEY_ID): the message says which and why. */
export function neededVar(name: string, neededBy: string, why: string) {
  return z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z
      .string({ error: () => `${name} is not set; ${neededBy} needs it (${why})` })
      .trim()
      .max(MAX_ENV_VALUE_LENGTH, { error: `${name} is longer than ${MAX_ENV_VALUE_LENGTH} characters` }),
  );
}

/** An optional string variable: unset and empty both mean "not given". */
export function optionalVar(name: string) {
  return z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    requiredVar(name).optional(),
  );
}

/** true/false/1/0/yes/no (any case); unset means `fallback`. */
export function booleanVar(name: string, fallback: boolean) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      if (['true', '1', 'yes'].includes(value)) return true;
      if (['false', '0', 'no'].includes(value)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false; got "${value.slice(0, 32)}"` });
      return z.NEVER;
    });
}

/** An absolute http(s) URL, such as AWS_ENDPOINT_URL for moto_server or a VPC endpoint. */
export function urlVar(name: string) {
  return optionalVar(name).refine(
    (value) => {
      if (value === undefined) return true;
      try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { error: `${name} must be an absolute http(s) URL` },
  );
}

/** A TCP port 1–65535 given as decimal digits; unset means `fallback`. */
export function portVar(name: string, fallback: number) {
  return optionalVar(name).transform((value, ctx) => {
    if (value === undefined) return fallback;
    const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
    if (!(port >= 1 && port <= 65535)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a TCP port between 1 and 65535` });
      return z.NEVER;
    }
    return port;
  });
}

/** Parses `env` with `schema`; every problem becomes one line of a single ConfigError. */
export function parseEnv<T extends z.ZodType>(schema: T, env: Env, what: string): z.output<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw envError(result.error.issues, what);
}

/** One ConfigError for the problems of one or more environment schemas, each naming its variable. */
export function envError(issues: z.ZodError['issues'], what: string): ConfigError {
  const lines = issues.map((issue) => {
    const variable = issue.path.length > 0 ? String(issue.path[0]) : undefined;
    // Messages built above already start with the variable; zod's own (e.g. enum) get it prefixed.
    return variable && !issue.message.startsWith(variable) ? `${variable}: ${issue.message}` : issue.message;
  });
  return new ConfigError(`invalid ${what} configuration: ${lines.join('; ')}`);
}
