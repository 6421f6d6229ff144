// The environment of the import function (offline CA, F3): the store table and the CSR bucket it reads uploads from.
import * as z from 'zod';
import { parseEnv, requiredVar, urlVar, type Env } from '../util/env-parse.ts';

export interface ImportConfig {
  tableName: string;
  bucketName: string;
}

const importEnvSchema = z
  .object({ CAPF_TABLE: requiredVar('CAPF_TABLE'), CAPF_CSR_BUCKET: requiredVar('CAPF_CSR_BUCKET'), AWS_ENDPOINT_URL: urlVar('AWS_ENDPOINT_URL') })
  .transform((raw): ImportConfig => ({ tableName: raw.CAPF_TABLE, bucketName: raw.CAPF_CSR_BUCKET }));

/** Reads CAPF_TABLE and CAPF_CSR_BUCKET; a ConfigError names what is missing. */
export function loadImportConfig(env: Env = process.env): ImportConfig {
  return parseEnv(importEnvSchema, env, 'import function');
}
