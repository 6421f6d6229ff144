// F1, default custody: the CAPF CA's certificate and software key in one Secrets Manager secret
// `{ "certificatePem": "...", "privateKeyPem": "..." }`, generated at first start and loaded once per container.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { ConfigError } from '../../errors.ts';
import { certificateHasKey, createSoftwareSigner, generateCapfCa, pemToDer, type CapfCaOptions } from '../../pki/index.ts';
import type { CaSigner } from '../../ports/index.ts';
import { cachedLoader } from '../../util/cached-loader.ts';
import { readCaSecret, writeFirstCaSecret } from '../ca-secret.ts';

export interface CapfCaMaterialLoaded {
  certificateDer: Uint8Array;
  signer: CaSigner;
}

const MAX_PEM_CHARS = 16_384;

const softwareCaSecretSchema = z.object({
  certificatePem: z.string().min(1).max(MAX_PEM_CHARS),
  privateKeyPem: z.string().min(1).max(MAX_PEM_CHARS),
});

const loadOnce = cachedLoader<CapfCaMaterialLoaded>();

function toMaterial(secretId: string, secret: z.output<typeof softwareCaSecretSchema>): CapfCaMaterialLoaded {
  let certificateDer: Uint8Array;
  try {
    certificateDer = pemToDer(secret.certificatePem);
  } catch (error) {
    throw new ConfigError(`CA secret ${secretId}: certificatePem is not a PEM certificate (${(error as Error).message})`, 'CA_SECRET');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: secret.privateKeyPem, format: 'pem' });
  } catch {
    // OpenSSL's message may quote the input; say only where the problem is.
    throw new ConfigError(`CA secret ${secretId}: privateKeyPem is not a readable unencrypted PEM private key`, 'CA_SECRET');
  }
  const publicKeyDer = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  if (!certificateHasKey(certificateDer, publicKeyDer)) {
    throw new ConfigError(`CA secret ${secretId}: privateKeyPem is not the key of certificatePem`, 'CA_SECRET');
  }
  return { certificateDer, signer: createSoftwareSigner(privateKey) };
}

/**
 * Reads the software CA from `secretId` afresh, with every check of the cached loaders (size bound, no secret text in
 * errors, the key must be the certificate's): for callers that watch the secret change, such as the listener's reload.
 */
export async function readSoftwareCaFromSecret(client: SecretsManagerClient, secretId: string): Promise<CapfCaMaterialLoaded> {
  const secret = await readCaSecret(client, secretId, softwareCaSecretSchema);
  if (!secret) throw new ConfigError(`CA secret ${secretId} does not exist or is empty; start with ensureSoftwareCaSecret to generate the CA`, 'CA_SECRET');
  return toMaterial(secretId, secret);
}

/** Loads the software CA from `secretId` (name or ARN); cached per container. ConfigError when it is missing or bad. */
export function loadSoftwareCaFromSecret(client: SecretsManagerClient, secretId: string): Promise<CapfCaMaterialLoaded> {
  return loadOnce(secretId, () => readSoftwareCaFromSecret(client, secretId));
}

/**
 * Like loadSoftwareCaFromSecret, but at first start (secret missing, or holding `{}`) generates a CAPF CA, stores it and
 * uses whichever CA won when several containers start at once.
 */
export function ensureSoftwareCaSecret(client: SecretsManagerClient, secretId: string, options: CapfCaOptions = {}): Promise<CapfCaMaterialLoaded> {
  return loadOnce(secretId, async () => {
    let secret = await readCaSecret(client, secretId, softwareCaSecretSchema);
    if (!secret) {
      const generated = await generateCapfCa(options);
      await writeFirstCaSecret(
        client,
        secretId,
        { certificatePem: generated.certificatePem, privateKeyPem: generated.privateKeyPem },
        'CAPF CA certificate and private key (generated at first start)',
      );
      secret = await readCaSecret(client, secretId, softwareCaSecretSchema);
      if (!secret) throw new ConfigError(`CA secret ${secretId} is still empty after storing the generated CA`, 'CA_SECRET');
    }
    return toMaterial(secretId, secret);
  });
}
