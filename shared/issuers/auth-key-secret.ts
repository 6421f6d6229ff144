// The deployment's key for authentication strings in AWS: a Secrets Manager secret of random text that the CDK app
// generates (infra/constructs/storage.ts). The listener reads it at start to check strings; admin paths read it to
// hash a string before it is stored. The key is the secret's text; nothing of it is ever put in an error.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { checkAuthStringKey } from '../domain/auth-string.ts';
import { ConfigError } from '../errors.ts';
import { cachedLoader } from '../util/cached-loader.ts';
import { secretsManagerSdk } from './aws-sdk.ts';

export async function readAuthStringKey(client: SecretsManagerClient, secretId: string): Promise<Uint8Array> {
  const { GetSecretValueCommand } = await secretsManagerSdk();
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const text = (answer.SecretString ?? '').trim();
  try {
    return checkAuthStringKey(Buffer.from(text, 'utf8'));
  } catch {
    throw new ConfigError(`secret ${secretId} does not hold an authentication string key (32 to 1024 characters of text)`, 'AUTH_STRING_KEY');
  }
}

/** The key of `secretId`, read on first use and kept for the container's life (a failed read is tried again by the
 *  next call); without a secret every call is refused with what to do. `who` names the function in that message.
 *  `client` is called once, on the first read (it may load the SDK then). */
export function authStringKeyLoader(secretId: string | undefined, client: () => SecretsManagerClient | Promise<SecretsManagerClient>, who: string): () => Promise<Uint8Array> {
  if (!secretId) {
    return () => Promise.reject(new ConfigError(`${who} has no CAPF_AUTH_KEY_SECRET_ARN, so it cannot store an authentication string: deploy the stack again`, 'AUTH_STRING_KEY_MISSING'));
  }
  const load = cachedLoader<Uint8Array>();
  let made: Promise<SecretsManagerClient> | undefined;
  return () => load(secretId, async () => readAuthStringKey(await (made ??= Promise.resolve(client())), secretId));
}
