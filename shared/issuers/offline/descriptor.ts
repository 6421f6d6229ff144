// F3: an offline CA. The phone's CSR goes to the CSR bucket (csr/<device>/<time>-<request id>.csr) and waits there as a
// pending CSR; an administrator has it signed outside CAPF and drops the certificate under signed/, the import matches
// it to its CSR by public key, and the phone's next session receives it (docs/offline-ca.md).
import * as z from 'zod';
import { neededVar } from '../../util/env-parse.ts';
import { defineIssuer } from '../descriptor.ts';
import { offlineSettingsSchema } from './settings.ts';

export const offlineIssuer = defineIssuer({
  kind: 'offline',
  summary: 'an offline CA: CSRs are exported to the CSR bucket, signed certificates are imported and delivered at the next session',
  keyDelivery: 'csr',
  fipsRefusal: 'FIPS mode (F17) disables the CSR flow; use capf-software or capf-kms',
  settingsSchema: offlineSettingsSchema,
  envSchema: z
    .object({ CAPF_CSR_BUCKET: neededVar('CAPF_CSR_BUCKET', 'CAPF_ISSUER=offline', 'the CSR bucket') })
    .transform((env) => ({ settings: { bucket: env.CAPF_CSR_BUCKET } })),
});
