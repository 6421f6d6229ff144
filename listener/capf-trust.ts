// CAPF-trust as certificate authentication sees it (F6, F8): the CAPF certificate(s) in use, always, plus the
// CAPF-trust entries of the trust store (uploaded CAs, Cisco MIC roots, CAPF certificates that were replaced). The
// store is read through a short cache shared by concurrent sessions, so an entry added or removed through the admin
// service applies within the TTL on every listener, in AWS and in the local stack alike.
import type { CapfLogger } from '../shared/logging.ts';
import { pemToDer } from '../shared/pki/certificate.ts';
import type { TrustEntry, TrustStore } from '../shared/ports/index.ts';

/** How long a read of CAPF-trust is reused (like the service parameters' cache). */
export const CAPF_TRUST_CACHE_MS = 5_000;

export interface CapfTrustOptions {
  trust: Pick<TrustStore, 'list'>;
  /** The CAPF certificate(s) in use, as DER; trusted whatever the store holds. */
  capfCertificates: () => Uint8Array[];
  ttlMs?: number;
  now?: () => number;
  logger?: CapfLogger;
}

/**
 * The anchors function the session backend calls on each device lookup. A failed store read keeps the last good
 * anchors (logged) and is tried again at the next call; with none yet, the failure reaches the session.
 */
export function capfTrustAnchors(options: CapfTrustOptions): () => Promise<Uint8Array[]> {
  const ttlMs = options.ttlMs ?? CAPF_TRUST_CACHE_MS;
  const now = options.now ?? Date.now;
  // The same DER object for the same entry across reads: chain.ts parses each anchor once per object.
  let known = new Map<string, Uint8Array>();
  let cached: { entries: Uint8Array[]; until: number; capf: string } | undefined;
  let inFlight: Promise<Uint8Array[]> | undefined;

  const load = async (capf: string): Promise<Uint8Array[]> => {
    let entries: TrustEntry[];
    try {
      entries = await options.trust.list('capf');
    } catch (error) {
      if (!cached) throw error;
      options.logger?.warn('CAPF-trust not refreshed; using the last read', { reason: (error as Error).message });
      cached = { entries: cached.entries, until: now() + ttlMs, capf };
      return cached.entries;
    }
    const next = new Map<string, Uint8Array>();
    for (const entry of entries) next.set(entry.id, known.get(entry.id) ?? pemToDer(entry.pem));
    known = next;
    cached = { entries: [...next.values()], until: now() + ttlMs, capf };
    return cached.entries;
  };

  return async () => {
    const capf = options.capfCertificates();
    const capfKeys = capf.map((der) => Buffer.from(der).toString('base64'));
    const capfKey = capfKeys.join(',');
    let entries: Uint8Array[];
    // A new CAPF certificate (ca regenerate) reads the store again at once: the replaced one is a CAPF-trust entry
    // there now, and LSCs it issued must keep authenticating without waiting out the TTL.
    if (cached && cached.until > now() && cached.capf === capfKey) entries = cached.entries;
    else {
      inFlight ??= load(capfKey).finally(() => {
        inFlight = undefined;
      });
      entries = await inFlight;
    }
    const seen = new Set(capfKeys);
    return [...capf, ...entries.filter((der) => !seen.has(Buffer.from(der).toString('base64')))];
  };
}
