// The admin function's environment: the table (CAPF_TABLE), the secret holding the key authentication strings are
// hashed with (CAPF_AUTH_KEY_SECRET_ARN) and, for tests against moto, AWS_ENDPOINT_URL (the SDK reads it itself;
// checked here so a malformed value is a ConfigError naming it). Features that add admin routes (trust, CA) add their
// variables here.
import * as z from 'zod';
import { optionalVar, parseEnv, requiredVar, urlVar, type Env } from '../util/env-parse.ts';

export interface AdminConfig {
  tableName: string;
  /** Without it the function refuses to store an authentication string (it never stores one in clear). */
  authKeySecretId?: string;
}

const adminEnvSchema = z.object({
  CAPF_TABLE: requiredVar('CAPF_TABLE'),
  CAPF_AUTH_KEY_SECRET_ARN: optionalVar('CAPF_AUTH_KEY_SECRET_ARN'),
  AWS_ENDPOINT_URL: urlVar('AWS_ENDPOINT_URL'),
});

export function loadAdminConfig(env: Env = process.env): AdminConfig {
  const raw = parseEnv(adminEnvSchema, env, 'admin function');
  return { tableName: raw.CAPF_TABLE, ...(raw.CAPF_AUTH_KEY_SECRET_ARN ? { authKeySecretId: raw.CAPF_AUTH_KEY_SECRET_ARN } : {}) };
}
