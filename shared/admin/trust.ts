// F6: what an administrator does with the trust stores: list, add an upload (classified into the admin guide's four
// scenarios, refused when incomplete or reserved), show, remove, and remove the Cisco MIC roots from
// CallManager-trust. Every change (and every refused change) is an audit event. Works on the TrustStore port only.
import { NotFoundError, ValidationError } from '../errors.ts';
import { classifyTrustUpload, UPLOAD_SCENARIOS, type UploadRole, type UploadScenario } from '../pki/trust-upload.ts';
import { commonNameOf } from '../pki/trust-names.ts';
import { pemToDer } from '../pki/index.ts';
import { TRUST_STORE_NAMES, type AuditEvent, type AuditLog, type TrustEntry, type TrustStore, type TrustStoreName } from '../ports/index.ts';

/** The store names as an administrator reads them (CUCM's "certificate purpose"). */
export const TRUST_STORE_LABELS: Record<TrustStoreName, string> = { capf: 'CAPF-trust', callmanager: 'CallManager-trust' };

/** The Cisco manufacturing roots CUCM ships in CallManager-trust (F6: an administrator may remove them). */
export const MIC_ROOT_NAMES = ['CAP-RTP-001', 'CAP-RTP-002', 'Cisco_Manufacturing_CA', 'Cisco_Root_CA_2048'] as const;

/** A store holds tens of CAs: far more is a mistake, and CAPF-trust is handed to every certificate authentication. */
export const MAX_ENTRIES_PER_STORE = 200;
export const MAX_DESCRIPTION_CHARS = 200;
/** A short id must still pick one certificate: at least this many hex digits of the fingerprint. */
export const MIN_ID_PREFIX = 8;

const PRINTABLE = /^[^\p{Cc}\p{Cf}]*$/u;
const HEX_ID = /^[0-9a-f]+$/;

export interface TrustActor {
  actor: string;
}

/** An entry as lists show it: everything but the PEM. */
export type TrustEntrySummary = Omit<TrustEntry, 'pem'>;

export interface TrustUploadResult {
  store: TrustStoreName;
  chains: {
    scenario: UploadScenario;
    /** The admin guide's scenario number and what it means. */
    number: number;
    meaning: string;
    rootAlreadyTrusted: boolean;
    certificates: { id: string; subject: string; role: UploadRole; added: boolean }[];
  }[];
  added: TrustEntrySummary[];
  /** Certificates of the file that were in the store already. */
  existing: TrustEntrySummary[];
  warnings: string[];
}

export interface TrustAdminOptions {
  trust: TrustStore;
  audit: AuditLog;
  now?: () => Date;
  /** Default MAX_ENTRIES_PER_STORE. */
  maxEntries?: number;
}

export function summary(entry: TrustEntry): TrustEntrySummary {
  const { pem: _pem, ...rest } = entry;
  return rest;
}

export function checkStoreName(store: string): TrustStoreName {
  if ((TRUST_STORE_NAMES as readonly string[]).includes(store)) return store as TrustStoreName;
  throw new ValidationError(`store must be one of ${TRUST_STORE_NAMES.join(', ')} (got ${JSON.stringify(store.slice(0, 40))})`, 'INVALID_STORE');
}

function checkDescription(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  const trimmed = description.trim();
  if (trimmed.length > MAX_DESCRIPTION_CHARS) throw new ValidationError(`description is ${trimmed.length} characters; at most ${MAX_DESCRIPTION_CHARS}`, 'INVALID_DESCRIPTION');
  if (!PRINTABLE.test(trimmed)) throw new ValidationError('description must be one line of printable text', 'INVALID_DESCRIPTION');
  return trimmed === '' ? undefined : trimmed;
}

export class TrustAdmin {
  private readonly now: () => Date;

  constructor(private readonly options: TrustAdminOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async list(store?: TrustStoreName): Promise<TrustEntrySummary[]> {
    return (await this.options.trust.list(store)).map(summary);
  }

  /** The entries (one per store holding it) whose id is `id` or starts with it (at least 8 hex digits). */
  async show(id: string, store?: TrustStoreName): Promise<TrustEntry[]> {
    const wanted = id.trim().toLowerCase();
    if (!HEX_ID.test(wanted) || wanted.length < MIN_ID_PREFIX || wanted.length > 64) {
      throw new ValidationError(`a trust entry id is the certificate's SHA-256 fingerprint: ${MIN_ID_PREFIX} to 64 hex digits (see capf trust list)`, 'INVALID_ID');
    }
    const matches = (await this.options.trust.list(store)).filter((entry) => entry.id.startsWith(wanted));
    if (matches.length === 0) throw new NotFoundError(`no certificate ${wanted} in ${store ? TRUST_STORE_LABELS[store] : 'CAPF-trust or CallManager-trust'} (see capf trust list)`);
    const ids = new Set(matches.map((entry) => entry.id));
    if (ids.size > 1) throw new ValidationError(`${wanted} starts the ids of ${ids.size} certificates; give more digits`, 'AMBIGUOUS_ID');
    return matches;
  }

  /**
   * Adds the certificates of `pemText` to `store`. Refuses (TrustUploadError, audited as refused) an incomplete
   * chain, a reserved CAPF- CA, a non-CA issuer or a bad signature, before anything is written.
   */
  async add(who: TrustActor, pemText: string, options: { store: TrustStoreName; description?: string }): Promise<TrustUploadResult> {
    const { store } = options;
    const label = TRUST_STORE_LABELS[store];
    try {
      const description = checkDescription(options.description);
      const current = await this.options.trust.list(store);
      const classified = classifyTrustUpload(pemText, current.map((entry) => pemToDer(entry.pem)), label, this.now());
      const known = new Set(current.map((entry) => entry.id));
      const fresh = classified.certificates.filter((cert) => !known.has(cert.fingerprint)).length;
      const limit = this.options.maxEntries ?? MAX_ENTRIES_PER_STORE;
      if (current.length + fresh > limit) {
        throw new ValidationError(`${label} holds ${current.length} certificates; adding ${fresh} would pass the limit of ${limit}: remove some first`, 'TRUST_STORE_FULL');
      }
      const addedAt = this.now().toISOString();
      const entries: TrustEntry[] = classified.certificates.map((cert) => ({
        id: cert.fingerprint,
        store,
        subject: cert.subject,
        issuer: cert.issuer,
        keyId: cert.keyId,
        notAfter: cert.notAfter,
        description: description ?? `${cert.role} ${cert.commonName ?? cert.subject}`,
        addedAt,
        addedBy: who.actor,
        source: 'upload',
        pem: cert.pem,
      }));
      const result = await this.options.trust.add(entries);
      const addedIds = new Set(result.added.map((entry) => entry.id));
      await this.record(who, 'trust.add', 'ok', {
        target: classified.certificates.map((cert) => cert.fingerprint).join(','),
        message: `${label}: ${result.added.length} added, ${result.existing.length} already there (scenario ${classified.chains.map((c) => UPLOAD_SCENARIOS[c.scenario].number).join(', ')})`,
        after: { store, added: result.added.map((entry) => ({ id: entry.id, subject: entry.subject })) },
      });
      return {
        store,
        chains: classified.chains.map((chain) => ({
          scenario: chain.scenario,
          ...UPLOAD_SCENARIOS[chain.scenario],
          rootAlreadyTrusted: chain.rootAlreadyTrusted,
          certificates: chain.certificates.map((cert) => ({ id: cert.fingerprint, subject: cert.subject, role: cert.role, added: addedIds.has(cert.fingerprint) })),
        })),
        added: result.added.map(summary),
        existing: result.existing.map(summary),
        warnings: classified.warnings,
      };
    } catch (error) {
      if (error instanceof ValidationError) await this.record(who, 'trust.add', 'refused', { target: store, code: error.code, message: `${label}: ${error.message}` });
      throw error;
    }
  }

  /**
   * Adds a certificate the system itself trusts, without the upload rules (a replaced CAPF certificate is named
   * CAPF-...): kept in CAPF-trust so the LSCs it issued still authenticate, until an administrator removes it.
   */
  async keepPreviousCapfCa(who: TrustActor, certificate: Omit<TrustEntry, 'store' | 'addedAt' | 'addedBy' | 'source'>): Promise<boolean> {
    const entry: TrustEntry = { ...certificate, store: 'capf', addedAt: this.now().toISOString(), addedBy: who.actor, source: 'previous-capf-ca' };
    const result = await this.options.trust.add([entry]);
    return result.added.length === 1;
  }

  /** Removes a certificate from `store`, or from the one store that holds it when no store is named. */
  async remove(who: TrustActor, id: string, store?: TrustStoreName): Promise<TrustEntrySummary> {
    const matches = await this.show(id, store);
    if (matches.length > 1) {
      throw new ValidationError(`${matches[0]!.id.slice(0, 16)} is in both CAPF-trust and CallManager-trust: name the store (--store capf or --store callmanager)`, 'STORE_REQUIRED');
    }
    const entry = matches[0]!;
    const removed = await this.options.trust.remove(entry.store, entry.id);
    if (!removed) throw new NotFoundError(`certificate ${entry.id} was removed from ${TRUST_STORE_LABELS[entry.store]} meanwhile`);
    await this.record(who, 'trust.remove', 'ok', {
      target: entry.id,
      message: `${TRUST_STORE_LABELS[entry.store]}: removed ${entry.subject}`,
      before: { store: entry.store, subject: entry.subject, description: entry.description },
    });
    return summary(removed);
  }

  /** Removes the Cisco MIC roots (by CN) from CallManager-trust; returns what was removed (maybe nothing). */
  async removeMicRoots(who: TrustActor): Promise<TrustEntrySummary[]> {
    const names = new Set<string>(MIC_ROOT_NAMES);
    const micRoots = (await this.options.trust.list('callmanager')).filter((entry) => names.has(commonNameOf(entry.pem) ?? ''));
    const removed: TrustEntrySummary[] = [];
    for (const entry of micRoots) {
      const gone = await this.options.trust.remove('callmanager', entry.id);
      if (gone) removed.push(summary(gone));
    }
    await this.record(who, 'trust.remove-mic-roots', 'ok', {
      target: 'callmanager',
      message: removed.length ? `CallManager-trust: removed ${removed.map((entry) => entry.subject).join('; ')}` : 'CallManager-trust: no MIC root was there',
      before: { removed: removed.map((entry) => entry.id) },
    });
    return removed;
  }

  private record(who: TrustActor, action: string, result: AuditEvent['result'], rest: Omit<AuditEvent, 'at' | 'actor' | 'action' | 'result'>): Promise<void> {
    return this.options.audit.record({ at: this.now().toISOString(), actor: who.actor, action, result, ...rest });
  }
}
