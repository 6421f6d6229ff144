// The phones of one load process: keys made before any clock starts, then many sessions at once (enrolments), or many
// connections parked at AUTH_REQUEST (idle phones). Runs in the load process, off the listener's event loops.
import { generatePhoneKey } from '../phone/phone-keys.ts';
import { enrolOnce, parkAtAuthRequest, type BenchTarget, type EnrolResult, type ParkedPhone } from './bench-phone.ts';

/** Distinct RSA-2048 keys made per run (each takes ~0.3 s); phones beyond that reuse them round-robin. */
const RSA_KEY_POOL = 32;
const MAX_ERRORS_KEPT = 5;

export type PhoneKeyType = 'rsa' | 'ec';

export interface EnrolOutcome {
  latenciesMs: number[];
  failures: number;
  /** Up to five distinct failure messages. */
  errors: string[];
  wallMs: number;
}

export interface ParkOutcome {
  parked: number;
  failed: number;
  errors: string[];
  wallMs: number;
}

export class PhoneFleet {
  private keys: Buffer[] = [];
  private keyType: PhoneKeyType | undefined;
  private readonly parked: ParkedPhone[] = [];

  /** RSA-2048 or EC P-256 public keys (DER SPKI) for `phones` phones: EC keys are all distinct, RSA ones pooled. */
  async makeKeys(keyType: PhoneKeyType, phones: number): Promise<number> {
    const count = keyType === 'rsa' ? Math.min(phones, RSA_KEY_POOL) : phones;
    if (this.keyType === keyType && this.keys.length >= count) return this.keys.length; // made for an earlier section
    this.keyType = keyType;
    this.keys = await Promise.all(
      Array.from({ length: count }, async () => (await generatePhoneKey(keyType === 'rsa' ? { keyType, bits: 2048 } : { keyType, curve: 'P-256' })).spkiDer),
    );
    return this.keys.length;
  }

  /** Each device enrols in its own session; all at once, or `concurrency` sessions at a time. */
  async enrol(target: BenchTarget, deviceNames: readonly string[], timeoutMs: number, concurrency = deviceNames.length): Promise<EnrolOutcome> {
    if (this.keys.length === 0) throw new RangeError('make the keys before enrolling');
    const started = performance.now();
    const results: EnrolResult[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < deviceNames.length) {
        const i = next++;
        results.push(await enrolOnce(target, deviceNames[i] as string, this.keys[i % this.keys.length] as Buffer, timeoutMs));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, deviceNames.length)) }, lane));
    const wallMs = performance.now() - started;
    const errors = new Set<string>();
    for (const result of results) if (result.error && errors.size < MAX_ERRORS_KEPT) errors.add(result.error);
    return {
      latenciesMs: results.filter((r) => r.ok).map((r) => r.latencyMs),
      failures: results.filter((r) => !r.ok).length,
      errors: [...errors],
      wallMs,
    };
  }

  /** Opens `count` connections, at most `inFlight` handshakes at a time, each left waiting at AUTH_REQUEST. */
  async park(target: BenchTarget, count: number, inFlight: number, timeoutMs: number): Promise<ParkOutcome> {
    const started = performance.now();
    const errors = new Set<string>();
    let next = 0;
    let failed = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        next += 1;
        try {
          this.parked.push(await parkAtAuthRequest(target, timeoutMs));
        } catch (error) {
          failed += 1;
          if (errors.size < MAX_ERRORS_KEPT) errors.add((error as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, count)) }, lane));
    return { parked: this.parked.length, failed, errors: [...errors], wallMs: performance.now() - started };
  }

  /** Hangs up every parked phone; returns how many there were. */
  unpark(): number {
    const count = this.parked.length;
    for (const phone of this.parked.splice(0)) phone.close();
    return count;
  }
}
