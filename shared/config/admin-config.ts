// The admin function's environment: the table (CAPF_TABLE) and, for tests against moto, AWS_ENDPOINT_URL (the SDK
// reads it itself; checked here so a malformed value is a ConfigError naming it). Features that add admin routes
// (trust, CA) add their variables here.
import * as z from 'zod';
import { parseEnv, requiredVar, urlVar, type Env } from '../util/env-parse.ts';

export interface AdminConfig {
  tableName: string;
}

const adminEnvSchema = z.object({ CAPF_TABLE: requiredVar('CAPF_TABLE'), AWS_ENDPOINT_URL: urlVar('AWS_ENDPOINT_URL') });

export function loadAdminConfig(env: Env = process.env): AdminConfig {
  const raw = parseEnv(adminEnvSchema, env, 'admin function');
  return { tableName: raw.CAPF_TABLE };
}
