// Builds the capf-software issuer: the CA from its secret (generated at first start, followed when replaced) or from
// the local stack's key file; in FIPS mode (F17) only a FIPS-approved CA key.
import { X509Certificate } from 'node:crypto';
import { ConfigError } from '../../errors.ts';
import { createSoftwareSigner } from '../../pki/index.ts';
import { secretsManagerOf } from '../aws-clients.ts';
import { CapfCaIssuer } from '../capf-ca/capf-ca-issuer.ts';
import { ReloadingCapfCaIssuer } from '../capf-ca/reloading-issuer.ts';
import { ensureSoftwareCaSecret, readSoftwareCaFromSecret } from '../capf-ca/software-ca.ts';
import type { IssuerFactory } from '../descriptor.ts';
import type { CapfSoftwareSettings } from './descriptor.ts';

export const create: IssuerFactory<CapfSoftwareSettings> = async (settings, context) => {
  const check = context.fipsMode ? checkFipsCaKey : undefined;
  if (settings.caSecretId !== undefined) {
    // AWS: the CA secret, re-read every 30 s so a CA replaced through the admin API (F4) signs without a redeployment.
    const client = await secretsManagerOf(context);
    const secretId = settings.caSecretId;
    const initial = await ensureSoftwareCaSecret(client, secretId);
    check?.(initial.certificateDer);
    return new ReloadingCapfCaIssuer({ initial, reread: () => readSoftwareCaFromSecret(client, secretId), ...(check ? { check } : {}) });
  }
  let ca;
  if (context.localCa) ca = { certificateDer: context.localCa.certificateDer, signer: createSoftwareSigner(context.localCa.privateKey) };
  else throw new ConfigError('capf-software needs caSecretId, the Secrets Manager secret of the CA (CAPF_CA_SECRET_ARN in AWS)', 'ISSUER_CONFIG');
  check?.(ca.certificateDer);
  return new CapfCaIssuer({ ...ca, name: 'capf-software' });
};

/** F17: FIPS-approved CA keys only (RSA of 2048 bits or more, or EC). */
function checkFipsCaKey(certificateDer: Uint8Array): void {
  const key = new X509Certificate(certificateDer).publicKey;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType === 'rsa' && bits < 2048) {
    throw new ConfigError(`CAPF_FIPS_MODE (F17) allows only FIPS-approved key sizes, but the CA key is RSA ${bits}; regenerate the CA with RSA 2048 or EC`, 'FIPS');
  }
}
