// The admin function's environment: the table (CAPF_TABLE), the secret holding the key authentication strings are
// hashed with (CAPF_AUTH_KEY_SECRET_ARN) and, for tests against moto, AWS_ENDPOINT_URL (the SDK reads it itself;
// checked here so a malformed value is a ConfigError naming it). The CAPF CA (F4): CAPF_ISSUER and the CA secret,
// CAPF_CA_SECRET_ARN (capf-software: certificate and key, replaced through the API) or CAPF_CA_CERT_SECRET_ARN
// (capf-kms: its certificate only). Features that add admin routes add their variables here.
import * as z from 'zod';
import { optionalVar, parseEnv, requiredVar, urlVar, type Env } from '../util/env-parse.ts';

export interface AdminConfig {
  tableName: string;
  /** Without it the function refuses to store an authentication string (it never stores one in clear). */
  authKeySecretId?: string;
  /** CAPF_ISSUER; absent: not told (the CA routes then answer NO_CAPF_CA). */
  issuer?: string;
  /** Where the CAPF CA is kept, when the issuer has one of its own. */
  capfCa?: { secretId: string; keyInKms: boolean };
}

const adminEnvSchema = z.object({
  CAPF_TABLE: requiredVar('CAPF_TABLE'),
  CAPF_AUTH_KEY_SECRET_ARN: optionalVar('CAPF_AUTH_KEY_SECRET_ARN'),
  AWS_ENDPOINT_URL: urlVar('AWS_ENDPOINT_URL'),
  CAPF_ISSUER: optionalVar('CAPF_ISSUER'),
  CAPF_CA_SECRET_ARN: optionalVar('CAPF_CA_SECRET_ARN'),
  CAPF_CA_CERT_SECRET_ARN: optionalVar('CAPF_CA_CERT_SECRET_ARN'),
});

function capfCaOf(raw: { CAPF_ISSUER?: string | undefined; CAPF_CA_SECRET_ARN?: string | undefined; CAPF_CA_CERT_SECRET_ARN?: string | undefined }): AdminConfig['capfCa'] {
  if (raw.CAPF_ISSUER === 'capf-kms' && raw.CAPF_CA_CERT_SECRET_ARN) return { secretId: raw.CAPF_CA_CERT_SECRET_ARN, keyInKms: true };
  if ((raw.CAPF_ISSUER ?? 'capf-software') === 'capf-software' && raw.CAPF_CA_SECRET_ARN) return { secretId: raw.CAPF_CA_SECRET_ARN, keyInKms: false };
  return undefined;
}

export function loadAdminConfig(env: Env = process.env): AdminConfig {
  const raw = parseEnv(adminEnvSchema, env, 'admin function');
  const capfCa = capfCaOf(raw);
  return {
    tableName: raw.CAPF_TABLE,
    ...(raw.CAPF_AUTH_KEY_SECRET_ARN ? { authKeySecretId: raw.CAPF_AUTH_KEY_SECRET_ARN } : {}),
    ...(raw.CAPF_ISSUER ? { issuer: raw.CAPF_ISSUER } : {}),
    ...(capfCa ? { capfCa } : {}),
  };
}
