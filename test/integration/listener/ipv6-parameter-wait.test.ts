// An IPv6 phone waits for the IPv6 parameter (a store read when the cache is cold) before its session starts. A phone
// that leaves, or resets the connection, during that wait must not hold a session slot, and a failed read is logged.
import { createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CapfListener } from '../../../listener/server.ts';
import type { SessionSummary } from '../../../listener/session-driver.ts';
import { StoreSessionBackend } from '../../../listener/store-backend.ts';
import { StoreError } from '../../../shared/errors.ts';
import { CapfCaIssuer } from '../../../shared/issuers/capf-ca/index.ts';
import { MemoryLogger } from '../../../shared/logging.ts';
import { createSoftwareSigner, generateCapfCa, pemToDer, type CapfCaMaterial } from '../../../shared/pki/index.ts';
import { SignService } from '../../../shared/signing/sign-service.ts';
import { InProcessSignClient } from '../../../functions/sign/in-process-client.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import type { ParameterStore, ServiceParameters, Stores } from '../../../shared/ports/index.ts';
import { motoClients, uniqueName } from '../issuers/moto-aws.ts';

/** The stores, with a parameters read that waits for the test to let it go (or fails when told to). */
class GatedParametersStore implements ParameterStore {
  failReads = false;
  private waiting: Array<() => void> = [];
  private entered: Array<() => void> = [];

  constructor(private readonly inner: ParameterStore) {}

  async get(): Promise<ServiceParameters> {
    for (const notify of this.entered.splice(0)) notify();
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.failReads) throw new StoreError('parameters table unavailable (test)', 'STORE');
    return this.inner.get();
  }

  update(changes: Partial<ServiceParameters>): Promise<ServiceParameters> {
    return this.inner.update(changes);
  }

  /** Resolves once a parameters read has started. */
  readStarted(): Promise<void> {
    return new Promise((resolve) => this.entered.push(resolve));
  }

  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

const dynamo = motoClients().dynamo;
const tableName = uniqueName('capf-ipv6-wait');
const summaries: SessionSummary[] = [];
let store: Stores;
let gate: GatedParametersStore;
let tls: CapfCaMaterial;
let logger: MemoryLogger;
let listener: CapfListener;
let port: number;

beforeAll(async () => {
  await ensureTable(dynamo, tableName);
  const stores = createDynamoStores({ client: dynamo, tableName });
  gate = new GatedParametersStore(stores.parameters);
  store = { ...stores, parameters: gate };
  tls = await generateCapfCa({ commonName: 'CAPF-ipv6-wait' });
  const issuer = new CapfCaIssuer({ certificateDer: tls.certificateDer, signer: createSoftwareSigner(createPrivateKey(tls.privateKeyPem)) });
  logger = new MemoryLogger();
  listener = new CapfListener({
    hosts: ['::1'],
    port: 0,
    tls,
    logger,
    messageTimeoutMs: 5_000,
    onSessionEnd: (summary) => summaries.push(summary),
    backend: new StoreSessionBackend({
      stores: store,
      signClient: new InProcessSignClient(new SignService({ stores: store, issuer })),
      trustAnchors: async () => [pemToDer(tls.certificatePem)],
      issuer: { name: 'capf-software', keyDelivery: 'public-key' },
      parametersCacheMs: 0,
    }),
  });
  const [address] = await listener.start();
  port = address?.port as number;
});
afterAll(() => listener.drain(1_000));

/** A TLS client over a TCP socket of its own, so the test can reset the TCP connection. */
async function connectTls(): Promise<{ phone: TLSSocket; tcp: Socket }> {
  const tcp = createConnection({ host: '::1', port });
  await once(tcp, 'connect');
  const phone = connect({ socket: tcp, ca: tls.certificatePem, checkServerIdentity: () => undefined });
  await once(phone, 'secureConnect');
  return { phone, tcp };
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// On a loaded machine (CI runs two test files at a time on two cores) a session can take seconds to end: the polls wait
// long enough for that, and each case starts only once the previous one's session has ended, so the counts are its own.
const settled = { timeout: 20_000, interval: 50 };

beforeEach(async () => {
  await expect.poll(() => listener.stats.active, settled).toBe(0);
});

describe('IPv6 phones while the IPv6 parameter is read', () => {
  it('a phone that closes during the read frees its slot and its session ends (summary sent)', async () => {
    const started = gate.readStarted();
    const { phone } = await connectTls();
    await started;
    phone.destroy();
    await closed(phone);
    await pause(200); // the server side sees the close while the read still waits
    gate.release();
    await expect.poll(() => summaries.length, settled).toBe(1);
    expect(listener.stats).toMatchObject({ accepted: 1, active: 0 });
    expect(summaries[0]).toMatchObject({ failed: true, code: 'PEER_CLOSED' });
  });

  it('a phone that resets the connection during the read frees its slot too', async () => {
    const started = gate.readStarted();
    const { phone, tcp } = await connectTls();
    phone.on('error', () => undefined);
    await started;
    tcp.resetAndDestroy();
    phone.destroy(); // the client side is gone with the reset; this only makes sure its close event fires
    await closed(phone);
    await pause(200);
    gate.release();
    await expect.poll(() => summaries.length, settled).toBe(2);
    expect(listener.stats).toMatchObject({ accepted: 2, active: 0 });
  });

  it('a failed read refuses the phone (connection closed) and is logged once with its reason', async () => {
    gate.failReads = true;
    const before = logger.entries.length;
    const started = gate.readStarted();
    const { phone } = await connectTls();
    const gone = closed(phone);
    await started;
    gate.release();
    await gone;
    const lines = logger.entries.slice(before).filter((entry) => entry.message.includes('ipv6'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', attributes: { reason: 'parameters table unavailable (test)' } });
    expect(listener.stats).toMatchObject({ accepted: 2, active: 0 });
    gate.failReads = false;
  });
});
