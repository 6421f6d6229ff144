// F1: our own CAPF CA signs the LSC from the bare public key the phone generated (no CSR needed).
import { ValidationError } from '../../errors.ts';
import { LscBuilder } from '../../pki/index.ts';
import type { CaSigner, IssueRequest, IssueResult, Issuer, IssuerDescription } from '../../ports/index.ts';

export type CapfCaIssuerName = 'capf-software' | 'capf-kms';

export interface CapfCaIssuerOptions {
  /** DER of the CA certificate that issues (its subject becomes the LSC issuer). */
  certificateDer: Uint8Array;
  signer: CaSigner;
  /** Default: capf-software for a signer holding a software key, otherwise capf-kms. */
  name?: CapfCaIssuerName;
  /** For tests: the issuance time. */
  now?: () => Date;
}

export class CapfCaIssuer implements Issuer {
  readonly name: CapfCaIssuerName;
  private readonly builder: LscBuilder;
  private readonly certificateDer: Uint8Array;
  private readonly now: () => Date;

  /** Throws ConfigError when the certificate cannot issue (not a CA, key type differs from the signer's). */
  constructor(options: CapfCaIssuerOptions) {
    this.name = options.name ?? (options.signer.privateKey ? 'capf-software' : 'capf-kms');
    this.certificateDer = Uint8Array.from(options.certificateDer);
    this.builder = new LscBuilder(this.certificateDer, options.signer);
    this.now = options.now ?? (() => new Date());
  }

  async issue(request: IssueRequest): Promise<IssueResult> {
    let certificateDer: Uint8Array;
    try {
      certificateDer = await this.builder.build({
        deviceName: request.deviceName,
        spkiDer: request.publicKeyDer,
        validityDays: request.validityDays,
        now: this.now(),
      });
    } catch (error) {
      // A request the LSC profile cannot carry (name, validity, key) is a refusal; anything else is the issuer's fault.
      if (error instanceof ValidationError) return { kind: 'refused', code: error.code, reason: error.message };
      throw error;
    }
    return { kind: 'issued', certificateDer, chainDer: [this.certificateDer] };
  }

  async describe(): Promise<IssuerDescription> {
    return { name: this.name, caCertificatesDer: [this.certificateDer] };
  }
}
