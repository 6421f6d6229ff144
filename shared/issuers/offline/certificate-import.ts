// The offline CA's import (F3): certificates an administrator had signed elsewhere come back (an upload under signed/
// in the CSR bucket, or `capf cert import`), each is matched to its pending CSR by public key, checked
// (shared/pki/imported-lsc.ts) and attached to the CSR and to the issuance record, so the phone's next session
// delivers it. Every refusal has a code, a line in the report and an audit event. Re-running an import (an event
// delivered twice, a crash between upload and import) finishes it once: every write is conditional and repeats of
// the same import are recognised.
import { createHash } from 'node:crypto';
import { ConflictError, ValidationError } from '../../errors.ts';
import { isValidDeviceName } from '../../model.ts';
import { newestCsr } from '../../domain/offline-csrs.ts';
import { commonNames, readCertificateParts } from '../../pki/certificate-parts.ts';
import { readCertificateBundle, splitLeaves } from '../../pki/certificate-bundle.ts';
import { checkImportedLsc, type ImportRefusal, type ImportRefusalCode } from '../../pki/imported-lsc.ts';
import { derToPem, toStoredCertificate } from '../../pki/index.ts';
import type { AuditEvent, AuditLog, CsrBucket, IssuanceStore, PendingCsr, PendingCsrStore } from '../../ports/index.ts';
import { peerText } from '../../peer-text.ts';
import { isSignedUpload, reportKeyFor } from './bucket-layout.ts';
import { MAX_BUNDLE_BYTES } from '../../pki/certificate-bundle.ts';

export interface CertificateImportOptions {
  csrs: PendingCsrStore;
  issuances: IssuanceStore;
  audit: AuditLog;
  /** CAPF-trust, read for each import (an administrator may have added the offline CA a moment ago). */
  trustAnchors: () => Promise<Uint8Array[]>;
  /** Where uploads and reports are; needed by importObject only. */
  bucket?: CsrBucket;
  /** Who imports, for the audit trail: `system:import` (the bucket event), `local` or an IAM principal. */
  actor?: string;
  now?: () => Date;
}

export interface CertificateOutcome {
  result: 'imported' | 'refused';
  code?: ImportRefusalCode;
  reason?: string;
  serialHex?: string;
  subject?: string;
  sha256Fingerprint?: string;
  deviceName?: string;
  /** The matched CSR's object. */
  csr?: string;
  /** F20: imported, but the phone has made a newer CSR since, so it will not be installed. */
  stale?: boolean;
}

export interface ImportReport {
  source: string;
  /** The upload's last-modified time (bucket imports): a report for an older upload of the same name is redone. */
  uploadModified?: string;
  at: string;
  result: 'imported' | 'refused' | 'partial';
  certificates: CertificateOutcome[];
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class CertificateImporter {
  private readonly now: () => Date;

  constructor(private readonly options: CertificateImportOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Imports the upload `key` of the bucket and writes its report beside it. Keys that are not uploads (reports,
   * folders) are skipped (undefined); an upload whose report is already written is not imported twice.
   */
  async importObject(key: string): Promise<ImportReport | undefined> {
    const bucket = this.options.bucket;
    if (!bucket) throw new ValidationError('importing from the bucket needs the bucket', 'NO_BUCKET');
    if (!isSignedUpload(key)) return undefined;
    let upload;
    try {
      upload = await bucket.read(key, MAX_BUNDLE_BYTES);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return this.finish(key, { code: 'UNREADABLE_CERTIFICATE', reason: error.message });
    }
    if (!upload) return undefined; // deleted before its event was handled
    const done = await bucket.read(reportKeyFor(key), 1024 * 1024).catch(() => undefined);
    if (done) {
      const previous = JSON.parse(Buffer.from(done.body).toString('utf8')) as ImportReport;
      if (previous.uploadModified === upload.lastModified) return previous;
    }
    const report = await this.importBytes(key, upload.body);
    report.uploadModified = upload.lastModified;
    await bucket.putReport(reportKeyFor(key), `${JSON.stringify(report, null, 2)}\n`, 'application/json');
    return report;
  }

  /** Imports every certificate of `bytes` (from `source`: a bucket key or `cli:<file>`); returns the report. */
  async importBytes(source: string, bytes: Uint8Array): Promise<ImportReport> {
    let certificates: Uint8Array[];
    try {
      certificates = readCertificateBundle(bytes);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return this.refuseWhole(source, { code: 'UNREADABLE_CERTIFICATE', reason: error.message });
    }
    const { leaves, cas } = splitLeaves(certificates);
    if (leaves.length === 0) {
      return this.refuseWhole(source, { code: 'NO_MATCHING_CSR', reason: 'the file holds CA certificates only; upload the device certificate (with its chain)' });
    }
    const anchors = await this.options.trustAnchors();
    const outcomes: CertificateOutcome[] = [];
    for (const leaf of leaves) outcomes.push(await this.importOne(source, leaf, cas, anchors));
    const imported = outcomes.filter((outcome) => outcome.result === 'imported').length;
    const result = imported === outcomes.length ? 'imported' : imported === 0 ? 'refused' : 'partial';
    return { source, at: this.now().toISOString(), result, certificates: outcomes };
  }

  private async finish(source: string, refusal: ImportRefusal): Promise<ImportReport> {
    const report = await this.refuseWhole(source, refusal);
    await this.options.bucket?.putReport(reportKeyFor(source), `${JSON.stringify(report, null, 2)}\n`, 'application/json');
    return report;
  }

  private async refuseWhole(source: string, refusal: ImportRefusal): Promise<ImportReport> {
    await this.audit(source, { result: 'refused', ...refusal });
    return { source, at: this.now().toISOString(), result: 'refused', certificates: [{ result: 'refused', ...refusal }] };
  }

  private async importOne(source: string, leafDer: Uint8Array, cas: Uint8Array[], anchors: Uint8Array[]): Promise<CertificateOutcome> {
    const stored = toStoredCertificate(leafDer);
    const parts = readCertificateParts(leafDer);
    const about: CertificateOutcome = { result: 'refused', serialHex: stored.serialHex, subject: peerText(stored.subject), sha256Fingerprint: stored.sha256Fingerprint };
    const refuse = async (refusal: ImportRefusal, deviceName?: string): Promise<CertificateOutcome> => {
      const outcome = { ...about, ...refusal, ...(deviceName ? { deviceName } : {}) };
      await this.audit(source, outcome);
      return outcome;
    };
    const csr = await this.findCsr(parts.spki, commonNames(parts.subject)[0]);
    if (!csr) return refuse({ code: 'NO_MATCHING_CSR', reason: 'no pending CSR has the public key of this certificate; it was deleted, or the certificate was made from another request' });
    about.deviceName = csr.deviceName;
    about.csr = csr.objectKey;
    if (csr.state === 'imported' && !this.sameImport(csr, source, stored.sha256Fingerprint)) {
      return refuse({ code: 'DUPLICATE', reason: `the CSR ${csr.objectKey} already has a certificate (imported from ${csr.imported?.source ?? 'elsewhere'})` }, csr.deviceName);
    }
    const checked = checkImportedLsc(leafDer, { deviceName: csr.deviceName, anchorsDer: anchors, intermediatesDer: cas, now: this.now() });
    if ('code' in checked) return refuse(checked, csr.deviceName);
    const chainPem = checked.chainDer.map((der) => derToPem(der));
    let marked: PendingCsr;
    try {
      marked = await this.options.csrs.markImported(csr, { at: this.now().toISOString(), source, certificate: stored, chainPem });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return refuse({ code: 'DUPLICATE', reason: `the CSR ${csr.objectKey} was given another certificate meanwhile` }, csr.deviceName);
    }
    await this.completeIssuance(csr, stored, chainPem);
    const newest = newestCsr(await this.options.csrs.listForDevice(csr.deviceName));
    const outcome: CertificateOutcome = { ...about, result: 'imported', ...(newest && newest.spkiSha256 !== csr.spkiSha256 ? { stale: true } : {}) };
    // The event carries the time the import was recorded and an id made from the CSR and the certificate: a repeat
    // after a crash (before or after this write) records it if it is missing, and never twice.
    const importedAt = marked.imported?.at ?? this.now().toISOString();
    await this.audit(source, outcome, { at: importedAt, id: importEventId(csr, stored.sha256Fingerprint) });
    return outcome;
  }

  private sameImport(csr: PendingCsr, source: string, fingerprint: string): boolean {
    return csr.imported?.source === source && csr.imported.certificate.sha256Fingerprint === fingerprint;
  }

  /** The CSR of this key: under the device the subject names, else (to tell a wrong CN from no CSR) under any. */
  private async findCsr(spkiDer: Uint8Array, commonName: string | undefined): Promise<PendingCsr | undefined> {
    const spkiSha256 = sha256Hex(spkiDer);
    if (commonName && isValidDeviceName(commonName)) {
      const csr = await this.options.csrs.get({ deviceName: commonName, spkiSha256 });
      if (csr) return csr;
    }
    const elsewhere = await this.options.csrs.findByKey(spkiSha256);
    return elsewhere[elsewhere.length - 1];
  }

  /** The issuance record the offline issuer left pending gets the certificate; a repeat finds it issued already. */
  private async completeIssuance(csr: PendingCsr, certificate: ReturnType<typeof toStoredCertificate>, chainPem: string[]): Promise<void> {
    const key = { deviceName: csr.deviceName, operationId: csr.operationId, spkiSha256: csr.spkiSha256 };
    const record = await this.options.issuances.get(key);
    if (!record) {
      await this.options.issuances.putOnce({ ...key, requestId: csr.requestId, state: 'issued', certificate, chainPem, issuer: 'offline', createdAt: this.now().toISOString() });
      return;
    }
    if (record.state !== 'pending') return; // issued by an earlier run of this import, or installed since
    try {
      await this.options.issuances.complete({ ...record, state: 'issued', certificate, chainPem });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error; // settled meanwhile by a repeat of this import
    }
  }

  private async audit(source: string, outcome: Omit<CertificateOutcome, 'result'> & { result: 'imported' | 'refused' }, once?: { at: string; id: string }): Promise<void> {
    const event: AuditEvent = {
      at: once?.at ?? this.now().toISOString(),
      actor: this.options.actor ?? 'system:import',
      action: 'certificate.import',
      result: outcome.result === 'imported' ? 'ok' : 'refused',
      ...(outcome.deviceName ? { deviceName: outcome.deviceName } : {}),
      target: source,
      ...(outcome.code ? { code: outcome.code } : {}),
      message:
        outcome.result === 'imported'
          ? `certificate ${outcome.serialHex ?? ''} imported for ${outcome.deviceName ?? '?'}${outcome.stale ? ' (stale: the phone made a newer CSR)' : ''}`
          : (outcome.reason ?? 'refused'),
    };
    await this.options.audit.record(event, once ? { id: once.id } : {});
  }
}

/** The audit event id of an import: one CSR (device and key) given one certificate (its fingerprint). */
function importEventId(csr: PendingCsr, certificateSha256: string): string {
  return `import-${createHash('sha256').update(`${csr.deviceName}\n${csr.spkiSha256}\n${certificateSha256}`).digest('hex').slice(0, 40)}`;
}
