// F21 and F20: what an administrator does with the offline CA's pending CSRs (list with timestamps, count, dump, delete)
// and with stale LSCs (certificates imported for a CSR the phone had already replaced: list, report, delete all).
// Every deletion is an audit event. Works on the PendingCsrStore port, and on the CSR bucket when given: deleting a
// pending CSR removes its object under csr/ too, so the offline CA's administrator does not sign it.
import { NotFoundError, ValidationError } from '../errors.ts';
import { staleImports } from '../domain/offline-csrs.ts';
import type { AuditLog, CsrBucket, PendingCsr, PendingCsrStore } from '../ports/index.ts';

export interface CsrActor {
  actor: string;
}

/** A CSR as lists show it: no PEM. */
export interface CsrSummary {
  /** The CSR's file name in the bucket (what `dump` and `delete` take). */
  name: string;
  deviceName: string;
  requestedAt: string;
  keyType: string;
  /** Whole seconds since it was requested. */
  ageSeconds: number;
  state: PendingCsr['state'];
  objectKey: string;
}

export interface StaleLsc {
  deviceName: string;
  serialHex: string;
  subject: string;
  notAfter: string;
  importedAt: string;
  /** Where the certificate came from (`signed/<name>` or `cli:<file>`). */
  source: string;
  /** The replaced CSR. */
  csr: string;
}

function fileName(objectKey: string): string {
  return objectKey.slice(objectKey.lastIndexOf('/') + 1);
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const STALE_COLUMNS = ['deviceName', 'serialHex', 'subject', 'notAfter', 'importedAt', 'source', 'csr'] as const;

/** The stale-LSC report (F20) as CSV: a header line, then one line each. */
export function staleCsv(stale: readonly StaleLsc[]): string {
  return `${[STALE_COLUMNS.join(','), ...stale.map((row) => STALE_COLUMNS.map((column) => csvCell(row[column])).join(','))].join('\n')}\n`;
}

/** The stale-LSC report (F20) as JSON text. */
export function staleJson(stale: readonly StaleLsc[], generatedAt: string): string {
  return `${JSON.stringify({ generatedAt, count: stale.length, staleLscs: stale }, null, 2)}\n`;
}

export class CsrAdmin {
  private readonly now: () => Date;

  constructor(private readonly options: { csrs: PendingCsrStore; audit: AuditLog; bucket?: CsrBucket; now?: () => Date }) {
    this.now = options.now ?? (() => new Date());
  }

  /** Every CSR waiting for its certificate, oldest first (`all`: also those that have one). */
  async list(options: { all?: boolean } = {}): Promise<CsrSummary[]> {
    return this.summaries((await this.options.csrs.list()).filter((csr) => options.all || csr.state === 'pending'));
  }

  async count(): Promise<{ pending: number; imported: number }> {
    const csrs = await this.options.csrs.list();
    return { pending: csrs.filter((csr) => csr.state === 'pending').length, imported: csrs.filter((csr) => csr.state === 'imported').length };
  }

  /** The CSR named by its file name, its object key, or a device name (that device's newest); NotFoundError otherwise. */
  async find(name: string): Promise<PendingCsr> {
    if (name.length === 0 || name.length > 1024) throw new ValidationError('a CSR name is 1 to 1024 characters', 'INVALID_CSR_NAME');
    const csrs = await this.options.csrs.list();
    const match = csrs.filter((csr) => csr.objectKey === name || fileName(csr.objectKey) === name);
    const found = match[0] ?? csrs.filter((csr) => csr.deviceName === name).at(-1);
    if (!found) throw new NotFoundError(`no pending CSR named ${name.slice(0, 128)}; \`capf csr list\` shows their names`);
    return found;
  }

  async dump(name: string): Promise<string> {
    return (await this.find(name)).csrPem;
  }

  /** The CSR as lists show it, with its PEM. */
  async show(name: string): Promise<CsrSummary & { pem: string }> {
    const csr = await this.find(name);
    return { ...this.summaries([csr])[0]!, pem: csr.csrPem };
  }

  /**
   * Deletes one CSR: its record (a certificate uploaded for it later is refused as NO_MATCHING_CSR) and its object in
   * the bucket. The object goes first: a failure there leaves the record, so the deletion can simply be repeated.
   */
  async delete(actor: CsrActor, name: string): Promise<CsrSummary> {
    const csr = await this.find(name);
    await this.remove(csr);
    await this.audit(actor, 'csr.delete', csr, `pending CSR ${csr.objectKey} deleted`);
    return this.summaries([csr])[0]!;
  }

  /** Deletes every CSR still waiting for its certificate (records and objects); returns how many. */
  async deleteAll(actor: CsrActor): Promise<number> {
    const pending = (await this.options.csrs.list()).filter((csr) => csr.state === 'pending');
    for (const csr of pending) {
      await this.remove(csr);
      await this.audit(actor, 'csr.delete', csr, `pending CSR ${csr.objectKey} deleted (all)`);
    }
    return pending.length;
  }

  private async remove(csr: PendingCsr): Promise<void> {
    await this.options.bucket?.delete(csr.objectKey);
    try {
      await this.options.csrs.delete(csr);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error; // deleted meanwhile: the same outcome
    }
  }

  async staleList(): Promise<StaleLsc[]> {
    return staleImports(await this.options.csrs.list()).map((csr) => {
      const imported = csr.imported!;
      return {
        deviceName: csr.deviceName,
        serialHex: imported.certificate.serialHex,
        subject: imported.certificate.subject,
        notAfter: imported.certificate.notAfter,
        importedAt: imported.at,
        source: imported.source,
        csr: csr.objectKey,
      };
    });
  }

  /** The stale-LSC report (F20) as CSV (a header line, then one line each) or JSON. */
  async staleReport(format: 'csv' | 'json'): Promise<string> {
    const stale = await this.staleList();
    return format === 'json' ? staleJson(stale, this.now().toISOString()) : staleCsv(stale);
  }

  /** `stale-lsc delete all`: removes the stale certificates' records; returns how many. */
  async staleDeleteAll(actor: CsrActor): Promise<number> {
    const stale = staleImports(await this.options.csrs.list());
    for (const csr of stale) {
      await this.options.csrs.delete(csr);
      await this.audit(actor, 'stale-lsc.delete', csr, `stale LSC ${csr.imported?.certificate.serialHex ?? ''} of ${csr.deviceName} deleted`);
    }
    return stale.length;
  }

  private summaries(csrs: PendingCsr[]): CsrSummary[] {
    const now = this.now().getTime();
    return csrs.map((csr) => ({
        name: fileName(csr.objectKey),
        deviceName: csr.deviceName,
        requestedAt: csr.requestedAt,
        keyType: csr.keyType,
        ageSeconds: Math.max(0, Math.floor((now - Date.parse(csr.requestedAt)) / 1000)),
        state: csr.state,
        objectKey: csr.objectKey,
      }));
  }

  private async audit(actor: CsrActor, action: string, csr: PendingCsr, message: string): Promise<void> {
    await this.options.audit.record({ at: this.now().toISOString(), actor: actor.actor, action, result: 'ok', deviceName: csr.deviceName, target: csr.objectKey, message });
  }
}
