// The service parameters (settings an administrator changes rarely) read through a short cache: every session
// and every signature needs them, and a change may take a few seconds to apply. Callers that arrive while a read is
// in flight share it, so a cache expiry under load costs one store read, not one per waiting session.
import type { ParameterStore, ServiceParameters } from '../ports/index.ts';

/** How long a read of the parameters is reused unless the caller says otherwise. */
export const DEFAULT_PARAMETERS_CACHE_MS = 5_000;

export class ParametersCache {
  private cached: { value: ServiceParameters; until: number } | undefined;
  private inFlight: Promise<ServiceParameters> | undefined;
  private latestValue: ServiceParameters | undefined;

  constructor(
    private readonly parameters: Pick<ParameterStore, 'get'>,
    private readonly ttlMs = DEFAULT_PARAMETERS_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<ServiceParameters> {
    if (this.cached && this.cached.until > this.now()) return Promise.resolve(this.cached.value);
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** The parameters last read, however old (no read of its own): for a caller that must decide synchronously. */
  get latest(): ServiceParameters | undefined {
    return this.latestValue;
  }

  private async load(): Promise<ServiceParameters> {
    const value = await this.parameters.get();
    this.latestValue = value;
    // The lifetime starts when the answer arrives; a failed read is not cached, so the next caller tries again.
    if (this.ttlMs > 0) this.cached = { value, until: this.now() + this.ttlMs };
    return value;
  }
}
