// What the admin API answers (docs/openapi.yaml), as the service defines it: type-only imports, which the bundle drops.
export type { DeviceResult as Device } from '../../../shared/admin/admin-service.ts';
export type { ListedCertificate as Certificate } from '../../../shared/admin/certificate-expiry.ts';
export type { CapfCaView } from '../../../shared/admin/ca.ts';
export type { TrustEntrySummary as TrustEntry, TrustUploadResult } from '../../../shared/admin/trust.ts';
export type { AuditEvent, BulkJob, DeviceTemplate as Template } from '../../../shared/ports/index.ts';
export type { ImportOutcome } from '../../../shared/admin/bulk-import.ts';
