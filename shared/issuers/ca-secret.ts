// Reading and first-start writing of the JSON secrets that hold CA material or an issuer's settings. Secret values are
// never put into error messages or logs: only the secret's id and what is wrong with it.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as z from 'zod';
import { ConfigError, errorName, IssuerError } from '../errors.ts';
import { secretsManagerSdk } from './aws-sdk.ts';

/** A CA secret holds a certificate and maybe a key: a few KiB. Anything larger is refused before parsing. */
export const MAX_CA_SECRET_CHARS = 65_536;

/**
 * Version id of the first-start value. Every container that finds the secret missing or empty writes with this same
 * token, so Secrets Manager keeps the first writer's value and refuses the others (ResourceExistsException).
 */
const FIRST_START_TOKEN = 'capf-first-start-generated-ca-version-1';

/**
 * The secret's JSON, or undefined when the secret (or its current value) does not exist yet or holds an empty object
 * `{}` (a placeholder created by the deployment for the first start to fill). `what` names the secret in errors.
 */
export async function readJsonSecret(client: SecretsManagerClient, secretId: string, what = 'CA secret'): Promise<unknown> {
  let text: string | undefined;
  const { GetSecretValueCommand } = await secretsManagerSdk();
  try {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (answer.SecretString === undefined) throw new ConfigError(`${what} ${secretId} holds binary data; it must hold JSON text`, 'CA_SECRET');
    text = answer.SecretString;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw new IssuerError(`reading ${what} ${secretId} failed (${errorName(error)})`, 'CA_SECRET_UNAVAILABLE', { cause: error });
  }
  if (text.length > MAX_CA_SECRET_CHARS) throw new ConfigError(`${what} ${secretId} is over ${MAX_CA_SECRET_CHARS} characters`, 'CA_SECRET');
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '{}') return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    throw new ConfigError(`${what} ${secretId} is not JSON`, 'CA_SECRET');
  }
}

/** The CA secret's JSON validated by `schema`, or undefined as readJsonSecret. */
export async function readCaSecret<T extends z.ZodType>(client: SecretsManagerClient, secretId: string, schema: T): Promise<z.output<T> | undefined> {
  const json = await readJsonSecret(client, secretId);
  if (json === undefined) return undefined;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // Only the field names, never the values.
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
    throw new ConfigError(`CA secret ${secretId} does not have the expected fields (problem with: ${fields})`, 'CA_SECRET');
  }
  return parsed.data;
}

/**
 * Stores `value` as the secret's first value: creates the secret (when `secretId` is a name), or adds the value to an
 * existing empty secret. Losing the race to another container is fine: the caller re-reads and uses the winner's value.
 */
export async function writeFirstCaSecret(client: SecretsManagerClient, secretId: string, value: object, description: string): Promise<void> {
  const secretString = JSON.stringify(value);
  const { CreateSecretCommand, PutSecretValueCommand } = await secretsManagerSdk();
  if (!secretId.startsWith('arn:')) {
    try {
      await client.send(new CreateSecretCommand({ Name: secretId, SecretString: secretString, ClientRequestToken: FIRST_START_TOKEN, Description: description }));
      return;
    } catch (error) {
      if (errorName(error) !== 'ResourceExistsException') {
        throw new IssuerError(`creating CA secret ${secretId} failed (${errorName(error)})`, 'CA_SECRET_UNAVAILABLE', { cause: error });
      }
    }
  }
  try {
    await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: secretString, ClientRequestToken: FIRST_START_TOKEN }));
  } catch (error) {
    const name = errorName(error);
    if (name === 'ResourceExistsException') return; // another container stored its CA first
    if (name === 'ResourceNotFoundException') throw new ConfigError(`CA secret ${secretId} does not exist and cannot be created from an ARN`, 'CA_SECRET');
    throw new IssuerError(`storing CA secret ${secretId} failed (${name})`, 'CA_SECRET_UNAVAILABLE', { cause: error });
  }
}
