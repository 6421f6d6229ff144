// What `capf device get` shows of a device's certificates (shared/admin/certificate-view.ts gives each one's fields).
import type { CertificateView } from '../../shared/admin/certificate-view.ts';

export function formatCertificates(certificates: CertificateView[]): string {
  if (certificates.length === 0) return '  certificates: none issued';
  const lines = [`  certificates: ${certificates.length} issued or requested, oldest first`];
  for (const c of certificates) {
    const what = c.serialHex ? `serial ${c.serialHex} until ${c.notAfter}` : c.pendingHandle ? `no certificate yet (request ${c.pendingHandle})` : 'no certificate';
    lines.push(`    ${c.state.padEnd(10)} ${what} (operation ${c.operationId}, ${c.createdAt})`);
  }
  return lines.join('\n');
}
