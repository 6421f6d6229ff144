// The machine's raw signing speed on one core (a Node loop over crypto.sign), and the LSC builder's speed with the
// same CA key: the yardsticks the issuance rate is compared with.
import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { LSC_VALIDITY_DAYS } from '../../shared/domain/parameters.ts';
import { CapfCaIssuer } from '../../shared/issuers/capf-ca/capf-ca-issuer.ts';
import { createSoftwareSigner } from '../../shared/pki/index.ts';
import type { PhoneKeyType } from './phone-fleet.ts';
import { ratePerSecond } from './statistics.ts';

const BATCH = 16;
/** Each yardstick is the best of this many runs: the machine is shared, and the best run is closest to its capability. */
const RUNS = 3;

export function generateSigningKey(keyType: PhoneKeyType): KeyObject {
  return keyType === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

/** The best rate of RUNS loops of `durationMs` each. */
async function bestOf(durationMs: number, operation: () => unknown): Promise<number> {
  let best = 0;
  for (let run = 0; run < RUNS; run++) best = Math.max(best, await loop(durationMs, operation));
  return best;
}

/** Runs `operation` in batches until `durationMs` has passed; returns operations per second. */
async function loop(durationMs: number, operation: () => unknown): Promise<number> {
  const started = performance.now();
  let count = 0;
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < BATCH; i++) {
      const pending = operation();
      if (pending instanceof Promise) await pending;
    }
    count += BATCH;
    elapsed = performance.now() - started;
  }
  return ratePerSecond(count, elapsed);
}

/** SHA-256 signatures per second with an RSA-2048 or EC P-256 key, one thread, over TBS-sized data (best of 3). */
export function measureRawSigning(privateKey: KeyObject, durationMs: number): Promise<number> {
  const data = randomBytes(700);
  return bestOf(durationMs, () => sign('sha256', data, privateKey));
}

/** Complete LSCs per second from the CAPF CA issuer (encoding + signature), one thread (best of 3). */
export async function measureLscIssuance(certificateDer: Uint8Array, privateKey: KeyObject, phoneKeyType: PhoneKeyType, durationMs: number): Promise<number> {
  const issuer = new CapfCaIssuer({ certificateDer, signer: createSoftwareSigner(privateKey) });
  const phoneKey = generateSigningKey(phoneKeyType);
  const publicKeyDer = new Uint8Array(createPublicKey(phoneKey).export({ type: 'spki', format: 'der' }));
  return bestOf(durationMs, () => issuer.issue({ requestId: 'bench', deviceName: 'SEP0000000BE7C', publicKeyDer, validityDays: LSC_VALIDITY_DAYS.default }));
}
