// What of a device's certificates leaves the admin service: each issuance record's certificate identity, its state and
// the operation it belongs to (never the PEM chain or the pending request's internals beyond its handle).
import type { IssuanceRecord } from '../ports/index.ts';

export interface CertificateView {
  state: IssuanceRecord['state'];
  stateAt?: string;
  operationId: string;
  issuer: string;
  createdAt: string;
  serialHex?: string;
  sha256Fingerprint?: string;
  notBefore?: string;
  notAfter?: string;
  pendingHandle?: string;
}

export function certificateView(record: IssuanceRecord): CertificateView {
  return {
    state: record.state,
    ...(record.stateAt ? { stateAt: record.stateAt } : {}),
    operationId: record.operationId,
    issuer: record.issuer,
    createdAt: record.createdAt,
    ...(record.certificate
      ? { serialHex: record.certificate.serialHex, sha256Fingerprint: record.certificate.sha256Fingerprint, notBefore: record.certificate.notBefore, notAfter: record.certificate.notAfter }
      : {}),
    ...(record.pendingHandle ? { pendingHandle: record.pendingHandle } : {}),
  };
}
