// The store backend keeps each live session's device copy (it saves a read at begin and record); a session that
// ends, recorded or not, must leave nothing behind, or phones with nothing to do would fill the map.
import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPhone } from '../../../cli/phone/simulator.ts';
import { CapfListener } from '../../../listener/server.ts';
import type { SessionSummary } from '../../../listener/session-driver.ts';
import { StoreSessionBackend } from '../../../listener/store-backend.ts';
import { CapfCaIssuer } from '../../../shared/issuers/capf-ca/index.ts';
import { MemoryLogger } from '../../../shared/logging.ts';
import { createSoftwareSigner, generateCapfCa, pemToDer, type CapfCaMaterial } from '../../../shared/pki/index.ts';
import { SignService } from '../../../shared/signing/sign-service.ts';
import { InProcessSignClient } from '../../../functions/sign/in-process-client.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import type { Stores } from '../../../shared/ports/index.ts';
import { motoClients, uniqueName } from '../issuers/moto-aws.ts';

const dynamo = motoClients().dynamo;
const tableName = uniqueName('capf-release');
const summaries: SessionSummary[] = [];
let store: Stores;
let tls: CapfCaMaterial;
let backend: StoreSessionBackend;
let listener: CapfListener;
let port: number;

beforeAll(async () => {
  await ensureTable(dynamo, tableName);
  store = createDynamoStores({ client: dynamo, tableName });
  tls = await generateCapfCa({ commonName: 'CAPF-release' });
  const issuer = new CapfCaIssuer({ certificateDer: tls.certificateDer, signer: createSoftwareSigner(createPrivateKey(tls.privateKeyPem)) });
  backend = new StoreSessionBackend({
    stores: store,
    signClient: new InProcessSignClient(new SignService({ stores: store, issuer })),
    trustAnchors: async () => [pemToDer(tls.certificatePem)],
    issuer: { name: 'capf-software', keyDelivery: 'public-key' },
  });
  listener = new CapfListener({ hosts: ['127.0.0.1'], port: 0, tls, logger: new MemoryLogger(), messageTimeoutMs: 5_000, backend, onSessionEnd: (s) => summaries.push(s) });
  const [address] = await listener.start();
  port = address?.port as number;
});
afterAll(() => listener.drain(1_000));

const phone = (deviceName: string) => runPhone({ host: '127.0.0.1', port, deviceName, caPem: tls.certificatePem, timeoutMs: 30_000 });
const device = { authMode: 'null-string', keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256' } as const;

describe('store backend: device copies of ended sessions', () => {
  it('a session with no pending operation (nothing recorded) leaves no device copy', async () => {
    await store.devices.put({ name: 'SEP00DD00000001', operation: 'none', ...device });
    expect((await phone('SEP00DD00000001')).endReason).toBe(0);
    await expect.poll(() => summaries.length).toBe(1);
    expect(backend.trackedSessions).toBe(0);
  });

  it('an install (recorded) leaves none either', async () => {
    await store.devices.put({ name: 'SEP00DD00000002', operation: 'install', ...device }, { newOperation: true });
    expect((await phone('SEP00DD00000002')).endReason).toBe(1);
    await expect.poll(() => summaries.length).toBe(2);
    expect(backend.trackedSessions).toBe(0);
    // The session carries its peer: the address per-address limits will count.
    expect(summaries[1]).toMatchObject({ device: 'SEP00DD00000002', peer: '127.0.0.1', failed: false });
  });
});
