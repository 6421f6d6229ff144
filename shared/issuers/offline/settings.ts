// What the offline issuer takes: the CSR bucket (AWS: CAPF_CSR_BUCKET; the local stack: its s3rver bucket).
import * as z from 'zod';

export const offlineSettingsSchema = z.strictObject({
  /** The CSR bucket's name: CSRs go under csr/, administrators drop certificates under signed/. */
  bucket: z.string().min(3).max(63),
});

export type OfflineSettings = z.output<typeof offlineSettingsSchema>;
