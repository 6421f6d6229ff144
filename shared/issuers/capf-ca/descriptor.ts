// F1: the CAPF CA signs the LSC from the bare public key the phone generated. Two custodies of its key, two issuers:
// capf-software (a software key: a Secrets Manager secret, or the local stack's key file) and capf-kms (an AWS KMS
// asymmetric key that never leaves KMS). The KMS pieces and their SDK are loaded only when capf-kms is built.
import { X509Certificate } from 'node:crypto';
import * as z from 'zod';
import { ConfigError } from '../../errors.ts';
import { createSoftwareSigner } from '../../pki/index.ts';
import { neededVar, optionalVar } from '../../util/env-parse.ts';
import { defineIssuer, kmsOf, secretsManagerOf } from '../descriptor.ts';
import { CapfCaIssuer } from './capf-ca-issuer.ts';
import { KMS_MESSAGE_TYPES } from './kms-signer.ts';
import { ensureSoftwareCaSecret } from './software-ca.ts';

const SECRET_ID = z.string().min(1).max(2048);

export const capfSoftwareIssuer = defineIssuer({
  kind: 'capf-software',
  summary: 'the CAPF CA with a software key (Secrets Manager, or the local key file), generated at first start',
  keyDelivery: 'public-key',
  settingsSchema: z.strictObject({
    /** The secret holding `{ certificatePem, privateKeyPem }`; without it the local stack's CA key file signs. */
    caSecretId: SECRET_ID.optional(),
  }),
  envSchema: z
    .object({ CAPF_CA_SECRET_ARN: neededVar('CAPF_CA_SECRET_ARN', 'CAPF_ISSUER=capf-software', 'the secret holding the CA certificate and key') })
    .transform((env) => ({ settings: { caSecretId: env.CAPF_CA_SECRET_ARN } })),
  async create(settings, context) {
    let ca;
    if (settings.caSecretId !== undefined) ca = await ensureSoftwareCaSecret(await secretsManagerOf(context), settings.caSecretId);
    else if (context.localCa) ca = { certificateDer: context.localCa.certificateDer, signer: createSoftwareSigner(context.localCa.privateKey) };
    else throw new ConfigError('capf-software needs caSecretId, the Secrets Manager secret of the CA (CAPF_CA_SECRET_ARN in AWS)', 'ISSUER_CONFIG');
    if (context.fipsMode) checkFipsCaKey(ca.certificateDer);
    return new CapfCaIssuer({ ...ca, name: 'capf-software' });
  },
});

export const capfKmsIssuer = defineIssuer({
  kind: 'capf-kms',
  summary: 'the CAPF CA with an AWS KMS asymmetric key (RSA 2048 or EC P-256); its certificate in Secrets Manager',
  keyDelivery: 'public-key',
  settingsSchema: z.strictObject({
    kmsKeyId: z.string().min(1).max(2048),
    /** The secret holding `{ certificatePem }` of the CA certificate for that key (created at first start). */
    caCertSecretId: SECRET_ID,
    kmsMessageType: z.enum(KMS_MESSAGE_TYPES).default('DIGEST'),
  }),
  envSchema: z
    .object({
      CAPF_KMS_KEY_ID: neededVar('CAPF_KMS_KEY_ID', 'CAPF_ISSUER=capf-kms', 'the KMS asymmetric signing key'),
      CAPF_CA_CERT_SECRET_ARN: neededVar('CAPF_CA_CERT_SECRET_ARN', 'CAPF_ISSUER=capf-kms', 'the secret holding the CA certificate of that key'),
      CAPF_KMS_MESSAGE_TYPE: optionalVar('CAPF_KMS_MESSAGE_TYPE')
        .transform((value) => value?.toUpperCase())
        .refine((value) => value === undefined || (KMS_MESSAGE_TYPES as readonly string[]).includes(value), {
          error: 'CAPF_KMS_MESSAGE_TYPE must be DIGEST or RAW',
        }),
    })
    .transform((env) => ({
      settings: { kmsKeyId: env.CAPF_KMS_KEY_ID, caCertSecretId: env.CAPF_CA_CERT_SECRET_ARN, kmsMessageType: env.CAPF_KMS_MESSAGE_TYPE ?? 'DIGEST' },
    })),
  async create(settings, context) {
    const { ensureKmsCa } = await import('./kms-ca.ts');
    const ca = await ensureKmsCa(
      { kms: await kmsOf(context), secretsManager: await secretsManagerOf(context) },
      { keyId: settings.kmsKeyId, certSecretId: settings.caCertSecretId, messageType: settings.kmsMessageType },
    );
    return new CapfCaIssuer({ ...ca, name: 'capf-kms' });
  },
});

/** F17: FIPS-approved CA keys only (RSA of 2048 bits or more, or EC). */
function checkFipsCaKey(certificateDer: Uint8Array): void {
  const key = new X509Certificate(certificateDer).publicKey;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType === 'rsa' && bits < 2048) {
    throw new ConfigError(`CAPF_FIPS_MODE (F17) allows only FIPS-approved key sizes, but the CA key is RSA ${bits}; regenerate the CA with RSA 2048 or EC`, 'FIPS');
  }
}
