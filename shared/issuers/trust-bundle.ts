// CAPF-trust as the AWS deployment keeps it: a Secrets Manager secret of PEM text (`{}` or empty while none was
// uploaded). The listener trusts it for certificate authentication; the online CA's site certificate may chain to it.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../errors.ts';
import { derToPem, splitPemChain } from '../pki/index.ts';
import { secretsManagerSdk } from './aws-sdk.ts';
import { MAX_CA_SECRET_CHARS } from './ca-secret.ts';

/** The CAPF-trust bundle as PEM certificates. */
export async function readTrustBundle(client: SecretsManagerClient, secretId: string): Promise<string[]> {
  const { GetSecretValueCommand } = await secretsManagerSdk();
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const text = (answer.SecretString ?? '').trim();
  if (text.length > MAX_CA_SECRET_CHARS) throw new ConfigError(`CAPF-trust secret ${secretId} is over ${MAX_CA_SECRET_CHARS} characters`, 'TRUST_STORE');
  return text === '' || text === '{}' ? [] : splitPemChain(text).map((der) => derToPem(der));
}
