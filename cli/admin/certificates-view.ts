// What `capf device get` shows of a device's certificates: each issuance record's certificate, state and operation.
import type { IssuanceRecord } from '../../shared/ports/index.ts';

/** What `device get` shows of each issuance record: the certificate's identity, its state and its operation. */
export function certificateView(record: IssuanceRecord) {
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

export function formatCertificates(records: IssuanceRecord[]): string {
  if (records.length === 0) return '  certificates: none issued';
  const lines = [`  certificates: ${records.length} issued or requested, oldest first`];
  for (const record of records) {
    const c = record.certificate;
    const what = c ? `serial ${c.serialHex} until ${c.notAfter}` : record.pendingHandle ? `no certificate yet (request ${record.pendingHandle})` : 'no certificate';
    lines.push(`    ${record.state.padEnd(10)} ${what} (operation ${record.operationId}, ${record.createdAt})`);
  }
  return lines.join('\n');
}
