// Builds the capf-software issuer: the CA from its secret (generated at first start) or from the local stack's key
// file; in FIPS mode (F17) only a FIPS-approved CA key.
import { X509Certificate } from 'node:crypto';
import { ConfigError } from '../../errors.ts';
import { createSoftwareSigner } from '../../pki/index.ts';
import { secretsManagerOf } from '../aws-clients.ts';
import { CapfCaIssuer } from '../capf-ca/capf-ca-issuer.ts';
import { ensureSoftwareCaSecret } from '../capf-ca/software-ca.ts';
import type { IssuerFactory } from '../descriptor.ts';
import type { CapfSoftwareSettings } from './descriptor.ts';

export const create: IssuerFactory<CapfSoftwareSettings> = async (settings, context) => {
  let ca;
  if (settings.caSecretId !== undefined) ca = await ensureSoftwareCaSecret(await secretsManagerOf(context), settings.caSecretId);
  else if (context.localCa) ca = { certificateDer: context.localCa.certificateDer, signer: createSoftwareSigner(context.localCa.privateKey) };
  else throw new ConfigError('capf-software needs caSecretId, the Secrets Manager secret of the CA (CAPF_CA_SECRET_ARN in AWS)', 'ISSUER_CONFIG');
  if (context.fipsMode) checkFipsCaKey(ca.certificateDer);
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
