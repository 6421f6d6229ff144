// The listener's TLS material in AWS: the CAPF certificate and key, in the secret the first task fills. Read at start
// and again on each refresh (F22), so a rotated certificate applies without a restart. (CAPF-trust is the trust
// store's, listener/capf-trust.ts.) Reads go through the CA secret readers: bounded, checked, and never quoting the secret in an error.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../shared/errors.ts';
import { ensureSoftwareCaSecret, readSoftwareCaFromSecret, type CapfCaMaterialLoaded } from '../shared/issuers/capf-ca/index.ts';
import type { CapfLogger } from '../shared/logging.ts';
import { derToPem } from '../shared/pki/index.ts';
import type { TlsMaterial } from './server.ts';
import { errorText } from './session-driver.ts';

export class ListenerSecrets {
  private constructor(
    private readonly client: SecretsManagerClient,
    private readonly tlsSecretId: string,
    private current: TlsMaterial,
  ) {}

  /** First start: the deployment creates the TLS secret as `{}`; the first task to start fills it with a new CAPF certificate. */
  static async load(client: SecretsManagerClient, tlsSecretId: string): Promise<ListenerSecrets> {
    return new ListenerSecrets(client, tlsSecretId, toTlsMaterial(tlsSecretId, await ensureSoftwareCaSecret(client, tlsSecretId)));
  }

  /** The TLS material the listener serves. */
  get tls(): TlsMaterial {
    return this.current;
  }

  /**
   * Re-reads the secret. A new certificate is handed to `reload` and becomes current only once that succeeded, so a
   * failed reload is tried again on the next refresh. Failures are logged with their reason, never with secret text.
   */
  async refresh(reload: (tls: TlsMaterial) => void, logger: CapfLogger): Promise<void> {
    try {
      const next = toTlsMaterial(this.tlsSecretId, await readSoftwareCaFromSecret(this.client, this.tlsSecretId));
      if (next.certificatePem !== this.current.certificatePem) {
        reload(next);
        this.current = next;
        logger.info('CAPF certificate reloaded');
      }
    } catch (error) {
      logger.warn('secret refresh failed', { reason: errorText(error) });
    }
  }
}

function toTlsMaterial(secretId: string, material: CapfCaMaterialLoaded): TlsMaterial {
  const privateKey = material.signer.privateKey;
  if (!privateKey) throw new ConfigError(`secret ${secretId} holds no software key for TLS`, 'SECRET');
  return { certificatePem: derToPem(material.certificateDer), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
