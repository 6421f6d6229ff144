// Store load, run in the load process against a dynalite endpoint through the real DynamoDB store adapters: device reads,
// certificate writes, and the store calls of whole enrolments (the same calls, in the same order, that the listener
// and the sign service make for one phone).
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createDynamoClient, LOCAL_TABLE_NAME } from '../local/local-store.ts';
import { LSC_VALIDITY_DAYS } from '../../shared/domain/parameters.ts';
import { CapfCaIssuer } from '../../shared/issuers/capf-ca/capf-ca-issuer.ts';
import type { StoredCertificate } from '../../shared/model.ts';
import { createSoftwareSigner, generateCapfCa, toStoredCertificate } from '../../shared/pki/index.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';
import type { Stores } from '../../shared/ports/index.ts';

export type StorePhase = 'device-reads' | 'certificate-writes' | 'enrolment-calls';

export interface StorePhaseRequest {
  endpoint: string;
  phase: StorePhase;
  /** Devices to read, or to enrol (each needs an install operation pending, and is used once). */
  deviceNames: string[];
  /** Operations for device-reads and certificate-writes. */
  operations: number;
  concurrency: number;
}

export interface StorePhaseOutcome {
  operations: number;
  wallMs: number;
  /** This process's CPU time over the timed part (the sample certificate is made before it). */
  cpuMicros: number;
}

export class StoreLoad {
  private readonly stores = new Map<string, Stores>();
  private certificate: StoredCertificate | undefined;

  async run(request: StorePhaseRequest): Promise<StorePhaseOutcome> {
    const store = this.storeFor(request.endpoint);
    const certificate = await this.sampleCertificate();
    const names = request.deviceNames;
    if (names.length === 0) throw new RangeError('the store phases need at least one device');
    const work: Record<StorePhase, (i: number) => Promise<unknown>> = {
      'device-reads': (i) => store.devices.get(names[i % names.length] as string),
      'certificate-writes': (i) => store.issuances.putOnce(issuedRecord(names[i % names.length] as string, `bench-${i}`, certificate)),
      'enrolment-calls': (i) => enrolmentCalls(store, names[i] as string, i + 1, certificate),
    };
    const operations = request.phase === 'enrolment-calls' ? names.length : request.operations;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < operations) await work[request.phase](next++);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(request.concurrency, operations)) }, lane));
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    return { operations, wallMs, cpuMicros: cpu.user + cpu.system };
  }

  private storeFor(endpoint: string): Stores {
    let store = this.stores.get(endpoint);
    if (!store) {
      store = createDynamoStores({ client: createDynamoClient(endpoint), tableName: LOCAL_TABLE_NAME });
      this.stores.set(endpoint, store);
    }
    return store;
  }

  /** A real RSA-2048 LSC from a throwaway CAPF CA, so each write carries a certificate of the usual size. */
  private async sampleCertificate(): Promise<StoredCertificate> {
    if (this.certificate) return this.certificate;
    const ca = await generateCapfCa({ keyType: 'rsa' });
    const issuer = new CapfCaIssuer({ certificateDer: ca.certificateDer, signer: createSoftwareSigner(createPrivateKey(ca.privateKeyPem)) });
    const phoneKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' });
    const issued = await issuer.issue({ requestId: 'bench', deviceName: 'SEP0000000BE7C', publicKeyDer: phoneKey, validityDays: LSC_VALIDITY_DAYS.default });
    if (issued.kind !== 'issued') throw new RangeError('the sample certificate was not issued');
    this.certificate = toStoredCertificate(issued.certificateDer);
    return this.certificate;
  }
}

function issuedRecord(deviceName: string, operationId: string, certificate: StoredCertificate) {
  return {
    deviceName,
    operationId,
    spkiSha256: randomBytes(32).toString('hex'),
    requestId: `bench-${operationId}`,
    state: 'issued' as const,
    certificate,
    chainPem: [],
    issuer: 'capf-software',
    createdAt: new Date().toISOString(),
  };
}

/** The store calls of one successful install, in the listener's and the sign service's order. */
async function enrolmentCalls(store: Stores, name: string, sessionId: number, certificate: StoredCertificate): Promise<void> {
  const device = await store.devices.get(name); // listener: lookup (parameters come from a 5 s cache)
  if (!device) throw new RangeError(`device ${name} is missing`);
  const operationId = device.operationId;
  const spkiSha256 = createHash('sha256').update(randomBytes(32)).digest('hex');
  // sign service: claim the key on the device (counted, the device in progress), then write the key's record
  await store.devices.claimKey(name, operationId, { spkiSha256, requestId: `bench-${sessionId}`, leaseMs: 30_000, limit: 3, sessionId });
  await store.issuances.complete({ deviceName: name, operationId, spkiSha256, requestId: `bench-${sessionId}`, state: 'issued', certificate, chainPem: [], issuer: 'capf-software', createdAt: new Date().toISOString() });
  // listener: the outcome, naming the LSC's record (which makes it the installed one: no write on the record)
  await store.devices.finishOperation(name, operationId, { status: 'success', lsc: certificate, lscIssuance: { operationId, spkiSha256 } }, device, sessionId);
}
