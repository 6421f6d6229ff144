// F4: the CAPF certificate as an administrator handles it: show it, export it (for CUCM's CallManager-trust and the
// phones' ITL/CTL), regenerate it, or import one of their own. A replaced certificate stays in CAPF-trust (an entry
// of source previous-capf-ca) until removed, so the LSCs it issued still authenticate; the new one reaches running
// listeners and signers through the custody adapter, without a restart. Every change is an audit event.
import { X509Certificate } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import { checkImportedCapfCa } from '../pki/capf-ca-import.ts';
import { describeTrustCertificate } from '../pki/trust-upload.ts';
import { generateCapfCa, pemToDer, type CapfCaOptions } from '../pki/index.ts';
import type { AuditEvent, AuditLog, CapfCaCustody, CapfCaReplacement } from '../ports/index.ts';
import type { TrustActor, TrustAdmin, TrustEntrySummary } from './trust.ts';

export interface CapfCaView {
  /** SHA-256 of the DER, lowercase hex. */
  id: string;
  subject: string;
  issuer: string;
  serialHex: string;
  keyId: string;
  /** e.g. `RSA 2048`, `EC P-256`. */
  key: string;
  notBefore: string;
  notAfter: string;
  /** Where it is kept (a file, a secret). */
  where: string;
  /** Certificates it replaced, still trusted for the LSCs they issued until removed (capf trust remove ID). */
  previous: TrustEntrySummary[];
}

export interface CaChangeResult {
  current: CapfCaView;
  /** The certificate replaced; kept in CAPF-trust. */
  replaced: { id: string; subject: string; keptInCapfTrust: boolean };
}

export interface CaAdminOptions {
  custody: CapfCaCustody;
  trust: TrustAdmin;
  audit: AuditLog;
  now?: () => Date;
}

export interface RegenerateOptions {
  /** Default: the key type of the current certificate. */
  keyType?: 'rsa' | 'ec';
  commonName?: string;
}

function keyText(certificatePem: string): string {
  const key = new X509Certificate(certificatePem).publicKey;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return `RSA ${details?.modulusLength ?? '?'}`;
  const curve = details?.namedCurve === 'prime256v1' ? 'P-256' : details?.namedCurve === 'secp384r1' ? 'P-384' : (details?.namedCurve ?? '?');
  return `${(key.asymmetricKeyType ?? 'unknown').toUpperCase()} ${curve}`;
}

export class CaAdmin {
  private readonly now: () => Date;

  constructor(private readonly options: CaAdminOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async show(): Promise<CapfCaView> {
    const pem = await this.options.custody.certificate();
    const facts = describeTrustCertificate(pemToDer(pem));
    const serialHex = new X509Certificate(pem).serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
    const previous = (await this.options.trust.list('capf')).filter((entry) => entry.source === 'previous-capf-ca');
    return {
      id: facts.fingerprint,
      subject: facts.subject,
      issuer: facts.issuer,
      serialHex,
      keyId: facts.keyId,
      key: keyText(pem),
      notBefore: facts.notBefore,
      notAfter: facts.notAfter,
      where: this.options.custody.where,
      previous,
    };
  }

  /** The certificate as PEM: what CUCM's CallManager-trust and the phones' ITL/CTL need. Never the key. */
  export(): Promise<string> {
    return this.options.custody.certificate();
  }

  /** A new CAPF CA (F4 profile) replaces the current one. */
  async regenerate(who: TrustActor, options: RegenerateOptions = {}): Promise<CaChangeResult> {
    const currentPem = await this.options.custody.certificate();
    const generateOptions: CapfCaOptions = { keyType: options.keyType ?? (keyText(currentPem).startsWith('RSA') ? 'rsa' : 'ec'), now: this.now() };
    if (options.commonName !== undefined) generateOptions.commonName = options.commonName;
    let material;
    try {
      material = await generateCapfCa(generateOptions);
    } catch (error) {
      if (error instanceof ValidationError) await this.record(who, 'ca.regenerate', 'refused', { code: error.code, message: error.message });
      throw error;
    }
    return this.replace(who, 'ca.regenerate', currentPem, { certificatePem: material.certificatePem, privateKeyPem: material.privateKeyPem });
  }

  /** The administrator's certificate and key replace the current CAPF certificate, once checked. */
  async import(who: TrustActor, certificatePem: string, privateKeyPem: string): Promise<CaChangeResult> {
    const currentPem = await this.options.custody.certificate();
    let checked;
    try {
      checked = checkImportedCapfCa(certificatePem, privateKeyPem, this.now());
      if (Buffer.from(checked.certificateDer).equals(Buffer.from(pemToDer(currentPem)))) {
        throw new ValidationError('this is the CAPF certificate in use already', 'SAME_CERTIFICATE');
      }
    } catch (error) {
      if (error instanceof ValidationError) await this.record(who, 'ca.import', 'refused', { code: error.code, message: error.message });
      throw error;
    }
    return this.replace(who, 'ca.import', currentPem, { certificatePem: checked.certificatePem, privateKeyPem: checked.privateKeyPem });
  }

  /** Keeps the current certificate in CAPF-trust first (no moment where its LSCs fail), then replaces it. */
  private async replace(who: TrustActor, action: string, currentPem: string, next: CapfCaReplacement): Promise<CaChangeResult> {
    const old = describeTrustCertificate(pemToDer(currentPem));
    const kept = await this.options.trust.keepPreviousCapfCa(who, {
      id: old.fingerprint,
      subject: old.subject,
      issuer: old.issuer,
      keyId: old.keyId,
      notAfter: old.notAfter,
      description: `previous CAPF certificate, replaced ${this.now().toISOString()} (${action}); remove once no LSC it issued is in use`,
      pem: old.pem,
    });
    try {
      await this.options.custody.replace(next, currentPem);
    } catch (error) {
      await this.record(who, action, 'failed', { code: (error as { code?: string }).code ?? 'CA_REPLACE_FAILED', message: (error as Error).message });
      throw error;
    }
    const current = await this.show();
    await this.record(who, action, 'ok', {
      message: `CAPF certificate ${current.subject} replaces ${old.subject}; the old one stays in CAPF-trust`,
      before: { id: old.fingerprint, subject: old.subject, notAfter: old.notAfter },
      after: { id: current.id, subject: current.subject, notAfter: current.notAfter, key: current.key },
    });
    return { current, replaced: { id: old.fingerprint, subject: old.subject, keptInCapfTrust: kept || current.previous.some((entry) => entry.id === old.fingerprint) } };
  }

  private record(who: TrustActor, action: string, result: AuditEvent['result'], rest: Omit<AuditEvent, 'at' | 'actor' | 'action' | 'result' | 'target'>): Promise<void> {
    return this.options.audit.record({ at: this.now().toISOString(), actor: who.actor, action, result, target: 'capf-ca', ...rest });
  }
}
