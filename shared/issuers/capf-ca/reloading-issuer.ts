// F4/F22 in AWS: the sign function's capf-software issuer follows a CA replaced in the CA secret (capf ca regenerate
// or import through the admin API) without a redeployment. The secret is re-read at most every RECHECK_MS per
// container, by the first issuance after that time (the others wait for the same read); a different certificate
// becomes the issuer from then on. A failed re-read keeps the current CA and is tried again at the next issuance, so
// Secrets Manager being slow or down never stops issuing. No store calls: the enrolment path's count is unchanged.
import type { IssueRequest, IssueResult, Issuer, IssuerDescription } from '../../ports/index.ts';
import { CapfCaIssuer } from './capf-ca-issuer.ts';
import type { CapfCaMaterialLoaded } from './software-ca.ts';

/** How stale a container's CA may be after a replacement. */
export const CA_RECHECK_MS = 30_000;

export interface ReloadingCaIssuerOptions {
  initial: CapfCaMaterialLoaded;
  /** Reads the CA afresh (readSoftwareCaFromSecret). */
  reread: () => Promise<CapfCaMaterialLoaded>;
  /** Checks a new CA before it is used (FIPS key sizes); a refusal keeps the current one. */
  check?: (certificateDer: Uint8Array) => void;
  /** A new CA was taken into use, or a re-read failed: for the function's log (never with key material). */
  onEvent?: (event: { kind: 'reloaded' | 'reread-failed'; reason?: string }) => void;
  recheckMs?: number;
  now?: () => number;
}

export class ReloadingCapfCaIssuer implements Issuer {
  readonly name = 'capf-software' as const;
  private current: { der: Buffer; issuer: CapfCaIssuer };
  private nextCheck: number;
  private inFlight: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly recheckMs: number;

  constructor(private readonly options: ReloadingCaIssuerOptions) {
    this.now = options.now ?? Date.now;
    this.recheckMs = options.recheckMs ?? CA_RECHECK_MS;
    this.current = this.build(options.initial);
    this.nextCheck = this.now() + this.recheckMs;
  }

  async issue(request: IssueRequest): Promise<IssueResult> {
    await this.fresh();
    return this.current.issuer.issue(request);
  }

  async describe(): Promise<IssuerDescription> {
    await this.fresh();
    return this.current.issuer.describe();
  }

  private build(material: CapfCaMaterialLoaded): { der: Buffer; issuer: CapfCaIssuer } {
    return { der: Buffer.from(material.certificateDer), issuer: new CapfCaIssuer({ ...material, name: 'capf-software' }) };
  }

  private fresh(): Promise<void> {
    if (this.now() < this.nextCheck) return Promise.resolve();
    this.inFlight ??= this.reload().finally(() => {
      this.inFlight = undefined;
      this.nextCheck = this.now() + this.recheckMs;
    });
    return this.inFlight;
  }

  private async reload(): Promise<void> {
    try {
      const next = await this.options.reread();
      if (this.current.der.equals(Buffer.from(next.certificateDer))) return;
      this.options.check?.(next.certificateDer);
      this.current = this.build(next);
      this.options.onEvent?.({ kind: 'reloaded' });
    } catch (error) {
      this.options.onEvent?.({ kind: 'reread-failed', reason: error instanceof Error ? error.message : String(error) });
    }
  }
}
