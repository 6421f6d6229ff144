// Which TLS versions and cipher suites the listener offers (docs/tls.md). By default: TLS 1.2 with forward-secret
// (ECDHE) AEAD suites, and TLS 1.3. `--min-tls TLSv1` / CAPF_MIN_TLS=TLSv1 (7900-series phones, TLS 1.0 only) adds
// TLS 1.0/1.1, the ECDHE CBC suites they can use, and AES128-SHA (RSA key exchange, no forward secrecy): the suite
// CUCM's own CAPF keeps for phones without ECDHE. Nothing else: no DHE, no 3DES, no RC4, no AES256-SHA.
import type { SecureVersion } from 'node:tls';

/** TLS 1.3 (forward-secret by design). OpenSSL names; Node routes `TLS_*` names to the 1.3 list. */
export const TLS13_SUITES = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'] as const;

/** TLS 1.2: ECDHE only, AEAD only; ECDSA variants for an EC CAPF certificate. */
export const FORWARD_SECRET_TLS12_SUITES = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

/**
 * Legacy mode only, after the suites above (the server's order wins): TLS 1.0/1.1 have no AEAD suites, so ECDHE with
 * AES-CBC for phones that can, then AES128-SHA (TLS_RSA_WITH_AES_128_CBC_SHA) for those that cannot.
 */
export const LEGACY_SUITES = ['ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'AES128-SHA'] as const;

export interface TlsPolicy {
  minVersion: SecureVersion;
  /** Below TLS 1.2: weaker, only for phones that need it; the listener says so at start. */
  legacy: boolean;
  /** The OpenSSL cipher string given to Node (TLS 1.3 and TLS ≤ 1.2 names together). */
  ciphers: string;
}

export function tlsPolicy(minVersion: SecureVersion = 'TLSv1.2'): TlsPolicy {
  const legacy = minVersion === 'TLSv1' || minVersion === 'TLSv1.1';
  const suites: string[] = [...TLS13_SUITES, ...FORWARD_SECRET_TLS12_SUITES, ...(legacy ? LEGACY_SUITES : [])];
  // OpenSSL 3 refuses TLS 1.0/1.1 (their SHA-1 handshake signatures) above security level 0; the explicit suite
  // list above, not the level, is what keeps weak ciphers out.
  return { minVersion, legacy, ciphers: `${suites.join(':')}${legacy ? ':@SECLEVEL=0' : ''}` };
}

/** The warning a legacy listener logs once at start. */
export function legacyTlsWarning(policy: TlsPolicy): { message: string; attributes: Record<string, unknown> } {
  return {
    message: 'legacy TLS enabled',
    attributes: {
      minVersion: policy.minVersion,
      addedSuites: LEGACY_SUITES.join(':'),
      reason:
        'TLS 1.0/1.1 and the AES128-SHA suite (no forward secrecy) are accepted for 7900-series phones; ' +
        'set the minimum back to TLSv1.2 once no such phone enrols',
    },
  };
}
