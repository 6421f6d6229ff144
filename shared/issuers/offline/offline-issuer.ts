// The offline issuer (F3): writes the phone's CSR to the CSR bucket with its metadata, records it as a pending CSR and
// answers 'pending'; the phone's session ends waiting for the offline CA. The certificate comes back through the
// import (shared/issuers/offline/import), which fills the pending CSR and the issuance record; fetchPending answers a
// phone that sends the same CSR again from the pending CSR.
import { describePublicKey, derToPem, pemToDer } from '../../pki/index.ts';
import type { CsrBucket, Issuer, IssuerDescription, IssueRequest, IssueResult, PendingCsr, PendingCsrStore, PendingPoller } from '../../ports/index.ts';
import { checkRequestCsr, csrRequired } from '../csr-required.ts';
import { csrObjectKey } from './bucket-layout.ts';

export interface OfflineIssuerOptions {
  bucket: CsrBucket;
  pendingCsrs: PendingCsrStore;
  now?: () => Date;
}

/** `RSA 2048`, `EC P-256`: how listings and the object metadata name a key. */
export function keyTypeText(spkiDer: Uint8Array): string {
  const key = describePublicKey(spkiDer);
  return key.keyType === 'rsa' ? `RSA ${key.rsaBits}` : `EC ${key.curve}`;
}

/** The handle of a pending offline request: the device and the key's hash. */
export function offlineHandle(record: { deviceName: string; spkiSha256: string }): string {
  return `${record.deviceName}/${record.spkiSha256}`;
}

const WAITING = 'waiting for the offline CA';

export class OfflineIssuer implements Issuer, PendingPoller {
  readonly name = 'offline';
  private readonly now: () => Date;

  constructor(private readonly options: OfflineIssuerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async issue(request: IssueRequest): Promise<IssueResult> {
    if (!request.csrDer) return csrRequired(this.name, request.deviceName);
    const checked = checkRequestCsr(request, request.csrDer);
    if ('kind' in checked) return checked;
    const spkiSha256 = describePublicKey(checked.spkiDer).sha256Hex;
    const requestedAt = this.now();
    const record: PendingCsr = {
      deviceName: request.deviceName,
      spkiSha256,
      operationId: request.operationId ?? request.requestId,
      requestId: request.requestId,
      objectKey: csrObjectKey(request.deviceName, requestedAt, request.requestId),
      keyType: keyTypeText(checked.spkiDer),
      requestedAt: requestedAt.toISOString(),
      csrPem: derToPem(request.csrDer, 'CERTIFICATE REQUEST'),
      state: 'pending',
    };
    // The record first: a retry after a crash finds it and writes the object under the same name.
    const { record: stored } = await this.options.pendingCsrs.putOnce(record);
    if (stored.state === 'imported' && stored.imported) {
      if (stored.operationId === record.operationId) return this.issued(stored);
      return { kind: 'refused', code: 'KEY_ALREADY_CERTIFIED', reason: `the offline CA already signed this key of ${request.deviceName} for an earlier operation; the phone must generate a new key` };
    }
    await this.options.bucket.putCsr(stored.objectKey, stored.csrPem, {
      deviceName: stored.deviceName,
      operationId: stored.operationId,
      spkiSha256: stored.spkiSha256,
      requestedAt: stored.requestedAt,
      keyType: stored.keyType,
    });
    return { kind: 'pending', handle: offlineHandle(stored), message: `${WAITING}: the CSR is ${stored.objectKey}; the phone's next session receives the certificate once it is imported` };
  }

  async fetchPending(handle: string): Promise<IssueResult> {
    const [deviceName = '', spkiSha256 = ''] = handle.split('/');
    const stored = await this.options.pendingCsrs.get({ deviceName, spkiSha256 });
    if (!stored) return { kind: 'refused', code: 'CSR_DELETED', reason: `the pending CSR of ${deviceName} was deleted by an administrator; the phone must make a new one` };
    if (stored.state === 'imported' && stored.imported) return this.issued(stored);
    return { kind: 'pending', handle, message: `${WAITING}: the CSR is ${stored.objectKey}` };
  }

  private issued(stored: PendingCsr): IssueResult {
    const imported = stored.imported!;
    return { kind: 'issued', certificateDer: pemToDer(imported.certificate.pem), chainDer: imported.chainPem.map((pem) => pemToDer(pem)) };
  }

  describe(): Promise<IssuerDescription> {
    // The offline CA's certificates are whatever the administrator trusts in CAPF-trust; CAPF holds none of its own.
    return Promise.resolve({ name: this.name, caCertificatesDer: [] });
  }
}
