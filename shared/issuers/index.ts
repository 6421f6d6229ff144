// Picks and builds the issuer the deployment configured (CAPF_ISSUER). Called once per container (sign function) or
// per process (local stack); the CA material it loads is cached by the loaders. Each backend (and its AWS SDK client)
// is imported only when it is the one configured, so a Lambda cold start loads just what it uses.
import { X509Certificate } from 'node:crypto';
import type { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { SignConfig } from '../config/index.ts';
import { requestLimits } from '../aws-limits.ts';
import { ConfigError } from '../errors.ts';
import { readCaSecret } from './ca-secret.ts';
import { readTrustBundle } from './trust-bundle.ts';
import { CapfCaIssuer } from './capf-ca/capf-ca-issuer.ts';
import { ensureSoftwareCaSecret } from './capf-ca/software-ca.ts';
import { acmPcaSdk, kmsSdk, secretsManagerSdk } from './aws-sdk.ts';

export { readTrustBundle } from './trust-bundle.ts';
import type { Issuer } from '../ports/index.ts';

export type { Issuer, IssueRequest, IssueResult, IssuerDescription, CaSigner } from '../ports/index.ts';

/**
 * Limits of the AWS clients createIssuer makes. Each call (secret read, KMS Sign, PCA poll) answers in well under a
 * second; without a limit a stalled one would hold the sign function's 30 s and the issuance lease (KMS allows 300 s,
 * PCA none).
 */
const AWS_CLIENT_LIMITS = { maxAttempts: 2, requestHandler: requestLimits(5_000) };

/** AWS clients the issuers use; any left out is created with the SDK defaults (region, AWS_ENDPOINT_URL) and AWS_CLIENT_LIMITS. */
export interface IssuerClients {
  secretsManager?: SecretsManagerClient;
  kms?: KMSClient;
  acmPca?: ACMPCAClient;
}

/**
 * The online CA secret (CAPF_ONLINE_CA_SECRET_ARN), F2's parameters: `{ host, port?, template, username, password,
 * auth?: 'ntlm' | 'basic', trustedCaPem: [PEM...], timeoutMs? }`. MicrosoftCaIssuer checks each value's rules.
 */
const onlineCaSecretSchema = z.object({
  host: z.string(),
  port: z.number().optional(),
  template: z.string(),
  username: z.string(),
  password: z.string(),
  auth: z.enum(['ntlm', 'basic']).default('ntlm'),
  trustedCaPem: z.array(z.string()).default([]),
  connectAddress: z.string().optional(),
  timeoutMs: z.number().optional(),
});

/**
 * F2: the site's HTTPS certificate must chain to CAPF-trust. The CAs come from the online CA secret's `trustedCaPem`
 * and from the CAPF-trust bundle (CAPF_TRUST_SECRET_ARN, PEM text; `{}` or empty while none was uploaded).
 */
async function createMicrosoftCaIssuer(client: SecretsManagerClient, secretId: string, trustSecretId?: string): Promise<Issuer> {
  const settings = await readCaSecret(client, secretId, onlineCaSecretSchema);
  if (!settings) throw new ConfigError(`online CA secret ${secretId} (CAPF_ONLINE_CA_SECRET_ARN) does not exist or is empty`, 'ONLINE_CA_CONFIG');
  const capfTrust = trustSecretId ? await readTrustBundle(client, trustSecretId) : [];
  const trustedCaPem = [...settings.trustedCaPem, ...capfTrust];
  if (trustedCaPem.length === 0) {
    throw new ConfigError(
      `no CA to check https://${settings.host}'s certificate against: add the chain of the site's HTTPS certificate to CAPF-trust (CAPF_TRUST_SECRET_ARN) or to trustedCaPem in ${secretId}`,
      'ONLINE_CA_CONFIG',
    );
  }
  const { MicrosoftCaIssuer } = await import('./microsoft-ca/index.ts');
  return new MicrosoftCaIssuer({ ...settings, trustedCaPem });
}

/** F17: FIPS-approved CA keys only (RSA ≥ 2048 bits, or EC). */
function checkFipsCaKey(certificateDer: Uint8Array): void {
  const key = new X509Certificate(certificateDer).publicKey;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType === 'rsa' && bits < 2048) {
    throw new ConfigError(`CAPF_FIPS_MODE (F17) allows only FIPS-approved key sizes, but the CA key is RSA ${bits}; regenerate the CA with RSA 2048 or EC`, 'FIPS');
  }
}

/** Builds the configured issuer. Throws ConfigError for a combination that cannot work (e.g. FIPS mode + online CA). */
export async function createIssuer(config: Pick<SignConfig, 'issuer' | 'fipsMode'>, clients: IssuerClients = {}): Promise<Issuer> {
  const issuer = config.issuer;
  const secretsManager = async () => clients.secretsManager ?? new (await secretsManagerSdk()).SecretsManagerClient(AWS_CLIENT_LIMITS);
  if (config.fipsMode && issuer.kind === 'microsoft-ca') {
    throw new ConfigError('CAPF_ISSUER=microsoft-ca is not allowed with CAPF_FIPS_MODE: FIPS mode (F17) disables the online CA; use capf-software or capf-kms', 'FIPS');
  }
  if (config.fipsMode && issuer.kind === 'acm-pca') {
    // PCA signs only phone CSRs, and F17 disables the CSR (CAPFv3) flow, so no phone could ever get a certificate.
    throw new ConfigError('CAPF_ISSUER=acm-pca is not allowed with CAPF_FIPS_MODE: acm-pca needs the CSR flow, which FIPS mode (F17) disables; use capf-software or capf-kms', 'FIPS');
  }
  switch (issuer.kind) {
    case 'capf-software': {
      const ca = await ensureSoftwareCaSecret(await secretsManager(), issuer.caSecretId);
      if (config.fipsMode) checkFipsCaKey(ca.certificateDer);
      return new CapfCaIssuer({ ...ca, name: 'capf-software' });
    }
    case 'capf-kms': {
      const [{ ensureKmsCa }, { KMSClient }] = await Promise.all([import('./capf-ca/kms-ca.ts'), kmsSdk()]);
      const ca = await ensureKmsCa(
        { kms: clients.kms ?? new KMSClient(AWS_CLIENT_LIMITS), secretsManager: await secretsManager() },
        { keyId: issuer.kmsKeyId, certSecretId: issuer.caCertSecretId, messageType: issuer.kmsMessageType },
      );
      return new CapfCaIssuer({ ...ca, name: 'capf-kms' });
    }
    case 'acm-pca': {
      const [{ AcmPcaIssuer }, { ACMPCAClient }] = await Promise.all([import('./acm-pca/index.ts'), acmPcaSdk()]);
      return new AcmPcaIssuer({ client: clients.acmPca ?? new ACMPCAClient(AWS_CLIENT_LIMITS), certificateAuthorityArn: issuer.pcaArn, templateArn: issuer.templateArn });
    }
    case 'microsoft-ca':
      return createMicrosoftCaIssuer(await secretsManager(), issuer.onlineCaSecretId, issuer.trustSecretId);
  }
}
