// F1 with an HSM: the CAPF CA's key is a KMS asymmetric key; its self-signed certificate (signed through KMS) is kept
// in a Secrets Manager secret `{ "certificatePem": "..." }` (not secret, but the deployment already has that store).
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { ConfigError } from '../../errors.ts';
import { certificateHasKey, createCapfCaCertificate, derToPem, pemToDer, type CapfCaProfile } from '../../pki/index.ts';
import { cachedLoader } from '../../util/cached-loader.ts';
import { readCaSecret, writeFirstCaSecret } from '../ca-secret.ts';
import { createKmsSigner, type KmsCaSigner, type KmsMessageType } from './kms-signer.ts';

export interface KmsCaLocation {
  keyId: string;
  /** Secret (name or ARN) holding `{ certificatePem }` of the CA certificate for that key. */
  certSecretId: string;
  messageType?: KmsMessageType;
}

export interface KmsCaClients {
  kms: KMSClient;
  secretsManager: SecretsManagerClient;
}

export interface KmsCaMaterial {
  certificateDer: Uint8Array;
  signer: KmsCaSigner;
}

const certificateSecretSchema = z.object({ certificatePem: z.string().min(1).max(16_384) });

const loadOnce = cachedLoader<KmsCaMaterial>();

/** Builds the self-signed CAPF CA certificate (the pki CAPF profile) for a KMS key; the TBS is signed by KMS. */
export function createKmsCaCertificate(signer: KmsCaSigner, profile: CapfCaProfile = {}): Promise<Uint8Array> {
  return createCapfCaCertificate(signer, signer.publicKeyDer, profile);
}

function checkedCertificate(location: KmsCaLocation, signer: KmsCaSigner, certificatePem: string): Uint8Array {
  let certificateDer: Uint8Array;
  try {
    certificateDer = pemToDer(certificatePem);
  } catch (error) {
    throw new ConfigError(`CA certificate secret ${location.certSecretId}: certificatePem is not a PEM certificate (${(error as Error).message})`, 'CA_SECRET');
  }
  if (!certificateHasKey(certificateDer, signer.publicKeyDer)) {
    throw new ConfigError(`CA certificate in ${location.certSecretId} is not for KMS key ${location.keyId}`, 'CA_SECRET');
  }
  return certificateDer;
}

function cacheKey(location: KmsCaLocation): string {
  return `${location.keyId}\n${location.certSecretId}\n${location.messageType ?? 'DIGEST'}`;
}

/** Loads the KMS CA (signer + its certificate); cached per container. ConfigError when the certificate is missing. */
export function loadKmsCa(clients: KmsCaClients, location: KmsCaLocation): Promise<KmsCaMaterial> {
  return loadOnce(cacheKey(location), async () => {
    const signer = await createKmsSigner(clients.kms, location.keyId, { messageType: location.messageType });
    const secret = await readCaSecret(clients.secretsManager, location.certSecretId, certificateSecretSchema);
    if (!secret) {
      throw new ConfigError(`CA certificate secret ${location.certSecretId} does not exist or is empty; start with ensureKmsCa to create the certificate`, 'CA_SECRET');
    }
    return { certificateDer: checkedCertificate(location, signer, secret.certificatePem), signer };
  });
}

/** Like loadKmsCa, but at first start creates the CA certificate through KMS and stores it (first writer wins). */
export function ensureKmsCa(clients: KmsCaClients, location: KmsCaLocation, profile: CapfCaProfile = {}): Promise<KmsCaMaterial> {
  return loadOnce(cacheKey(location), async () => {
    const signer = await createKmsSigner(clients.kms, location.keyId, { messageType: location.messageType });
    let secret = await readCaSecret(clients.secretsManager, location.certSecretId, certificateSecretSchema);
    if (!secret) {
      const certificateDer = await createKmsCaCertificate(signer, profile);
      await writeFirstCaSecret(clients.secretsManager, location.certSecretId, { certificatePem: derToPem(certificateDer) }, `CAPF CA certificate of KMS key ${location.keyId}`);
      secret = await readCaSecret(clients.secretsManager, location.certSecretId, certificateSecretSchema);
      if (!secret) throw new ConfigError(`CA certificate secret ${location.certSecretId} is still empty after storing the new certificate`, 'CA_SECRET');
    }
    return { certificateDer: checkedCertificate(location, signer, secret.certificatePem), signer };
  });
}
