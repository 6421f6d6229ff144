// The sign function's capf-software issuer follows a replaced CA secret: re-read at most once per interval (one read
// for concurrent issuances), a failed read or a refused CA keeps the current CA, and issuing never stops.
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CA_RECHECK_MS, ReloadingCapfCaIssuer, type CapfCaMaterialLoaded } from '../../../shared/issuers/capf-ca/index.ts';
import { createSoftwareSigner, generateCapfCa, pemToDer } from '../../../shared/pki/index.ts';

async function material(commonName: string): Promise<CapfCaMaterialLoaded> {
  const ca = await generateCapfCa({ commonName, keyType: 'ec' });
  return { certificateDer: pemToDer(ca.certificatePem), signer: createSoftwareSigner(createPrivateKey(ca.privateKeyPem)) };
}

const spkiDer = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }));

async function issuerOf(issuer: ReloadingCapfCaIssuer): Promise<string> {
  const result = await issuer.issue({ requestId: 'r', deviceName: 'SEP001122334455', publicKeyDer: spkiDer, validityDays: 30 });
  if (result.kind !== 'issued') throw new Error(result.kind);
  return new X509Certificate(result.certificateDer).issuer;
}

describe('ReloadingCapfCaIssuer', () => {
  it('re-reads once per interval, shared by concurrent issuances, and takes a new CA into use', async () => {
    const [a, b] = await Promise.all([material('CAPF-reload0a'), material('CAPF-reload0b')]);
    let clock = 0;
    let reads = 0;
    let stored = a;
    const events: string[] = [];
    const issuer = new ReloadingCapfCaIssuer({ initial: a, reread: async () => (reads++, stored), now: () => clock, onEvent: (e) => events.push(e.kind) });
    expect(await issuerOf(issuer)).toBe('CN=CAPF-reload0a');
    stored = b;
    expect(await issuerOf(issuer)).toBe('CN=CAPF-reload0a');
    expect(reads).toBe(0);
    clock += CA_RECHECK_MS;
    expect(await Promise.all([issuerOf(issuer), issuerOf(issuer), issuerOf(issuer)])).toEqual(['CN=CAPF-reload0b', 'CN=CAPF-reload0b', 'CN=CAPF-reload0b']);
    expect(reads).toBe(1);
    expect(events).toEqual(['reloaded']);
    expect((await issuer.describe()).caCertificatesDer).toEqual([b.certificateDer]);
  });

  it('keeps issuing with the current CA when the re-read fails or the new CA is refused, and tries again later', async () => {
    const [a, b] = await Promise.all([material('CAPF-reload1a'), material('CAPF-reload1b')]);
    let clock = 0;
    let fail = true;
    let refuse = true;
    const events: string[] = [];
    const issuer = new ReloadingCapfCaIssuer({
      initial: a,
      reread: async () => {
        if (fail) throw new Error('Secrets Manager unavailable');
        return b;
      },
      check: () => {
        if (refuse) throw new Error('not FIPS');
      },
      now: () => clock,
      onEvent: (e) => events.push(`${e.kind}${e.reason ? `: ${e.reason}` : ''}`),
    });
    clock += CA_RECHECK_MS;
    expect(await issuerOf(issuer)).toBe('CN=CAPF-reload1a');
    fail = false;
    clock += CA_RECHECK_MS;
    expect(await issuerOf(issuer)).toBe('CN=CAPF-reload1a');
    refuse = false;
    clock += CA_RECHECK_MS;
    expect(await issuerOf(issuer)).toBe('CN=CAPF-reload1b');
    expect(events).toEqual(['reread-failed: Secrets Manager unavailable', 'reread-failed: not FIPS', 'reloaded']);
  });
});
