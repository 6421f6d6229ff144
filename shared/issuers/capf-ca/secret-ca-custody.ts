// F4 in AWS: the CAPF CA in the CA secret (CaSecretArn) as the admin service's CapfCaCustody. With the software
// backend the secret holds `{ certificatePem, privateKeyPem }`: a regenerate or import stores both as the secret's new
// current version, and the sign function's issuer (reloading-issuer.ts) picks them up at its next re-read. With the KMS
// backend the key lives in KMS and the secret holds only its certificate: show and export work, a replacement is
// refused (a new key means a new KMS key and a redeployment).
import { createHash } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, ConflictError, errorName, IssuerError, ValidationError } from '../../errors.ts';
import { derToPem, pemToDer } from '../../pki/index.ts';
import type { CapfCaCustody, CapfCaReplacement } from '../../ports/index.ts';
import { secretsManagerSdk } from '../aws-sdk.ts';
import { readJsonSecret } from '../ca-secret.ts';
import { ensureSoftwareCaSecret } from './software-ca.ts';

export interface SecretCaCustodyOptions {
  /** The client, or how to make it on first use (so the admin function's cold start does not load the SDK). */
  client: SecretsManagerClient | (() => Promise<SecretsManagerClient>);
  /** The CA secret's ARN or name. */
  secretId: string;
  /** capf-kms: the secret holds only the certificate of a KMS key; replacements are refused. */
  keyInKms?: boolean;
}

const MAX_PEM_CHARS = 16_384;

export class SecretCaCustody implements CapfCaCustody {
  readonly where: string;

  private made: Promise<SecretsManagerClient> | undefined;

  constructor(private readonly options: SecretCaCustodyOptions) {
    this.where = options.secretId;
  }

  private client(): Promise<SecretsManagerClient> {
    if (!this.made) {
      const { client } = this.options;
      this.made = typeof client === 'function' ? client() : Promise.resolve(client);
      this.made.catch(() => (this.made = undefined));
    }
    return this.made;
  }

  /** The certificate in the secret now (not a cached copy); a software CA not made yet is generated, as the sign
   *  function does at its first start. */
  async certificate(): Promise<string> {
    const pem = await this.currentPem();
    if (pem !== undefined) return pem;
    if (this.options.keyInKms) throw new ConfigError(`the CA secret ${this.where} holds no certificate yet: the sign function stores it at its first start`, 'CA_NOT_READY');
    return derToPem((await ensureSoftwareCaSecret(await this.client(), this.options.secretId)).certificateDer);
  }

  async replace(material: CapfCaReplacement, expectedCertificatePem: string): Promise<void> {
    if (this.options.keyInKms) {
      throw new ValidationError('the CAPF CA key is a KMS key (issuer capf-kms): it cannot be regenerated or imported here; deploy with a new key, or use issuer capf-software', 'CA_KEY_IN_KMS');
    }
    const current = await this.currentPem();
    if (current === undefined || !Buffer.from(pemToDer(current)).equals(Buffer.from(pemToDer(expectedCertificatePem)))) {
      throw new ConflictError(`the CA secret ${this.where} was replaced meanwhile; run the command again`);
    }
    const { PutSecretValueCommand } = await secretsManagerSdk();
    // The token names this replacement: a retry of the same request stores nothing twice.
    const token = createHash('sha256').update(material.certificatePem).digest('hex').slice(0, 64);
    try {
      await (await this.client()).send(
        new PutSecretValueCommand({ SecretId: this.options.secretId, ClientRequestToken: token, SecretString: JSON.stringify({ certificatePem: material.certificatePem, privateKeyPem: material.privateKeyPem }) }),
      );
    } catch (error) {
      const name = errorName(error);
      if (name === 'ResourceExistsException') throw new ConflictError(`this certificate was stored in ${this.where} before; regenerate or import another`);
      throw new IssuerError(`storing the new CAPF CA in ${this.where} failed (${name})`, 'CA_SECRET_UNAVAILABLE', { cause: error });
    }
  }

  /** The secret's certificatePem as it is now, or undefined while the secret is the deployment's placeholder. */
  private async currentPem(): Promise<string | undefined> {
    const json = (await readJsonSecret(await this.client(), this.options.secretId)) as { certificatePem?: unknown } | undefined;
    if (json === undefined) return undefined;
    const pem = json.certificatePem;
    if (typeof pem !== 'string' || pem.length === 0 || pem.length > MAX_PEM_CHARS) {
      throw new ConfigError(`the CA secret ${this.where} has no usable certificatePem`, 'CA_SECRET');
    }
    return pem;
  }
}
