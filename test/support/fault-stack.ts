// The listener composed for fault injection: dynalite (in memory) behind a FaultStore, the real SignService behind a
// FaultSignClient, StoreSessionBackend and CapfListener exactly as the local stack wires them, a MemoryLogger, and
// the consistency rules of F15 as one check a test runs after each session.
import { createPrivateKey } from 'node:crypto';
import { expect } from 'vitest';
import { MemoryLogger } from '../../shared/logging.ts';
import { createSoftwareSigner, generateCapfCa, type CapfCaMaterial } from '../../shared/pki/index.ts';
import { CapfCaIssuer } from '../../shared/issuers/capf-ca/capf-ca-issuer.ts';
import { SignService } from '../../shared/signing/sign-service.ts';
import { InProcessSignClient } from '../../functions/sign/in-process-client.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import type { Stores, DeviceSettings } from '../../shared/ports/index.ts';
import type { Device } from '../../shared/model.ts';
import { deviceIssuances } from '../../shared/domain/certificate-states.ts';
import { CapfListener, type ListenerOptions } from '../../listener/server.ts';
import { StoreSessionBackend } from '../../listener/store-backend.ts';
import { startDynalite } from '../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../cli/local/local-store.ts';
import { runPhone } from '../../cli/phone/simulator.ts';
import type { PhoneOptions, PhoneResult } from '../../cli/phone/types.ts';
import { FaultSignClient } from './fault-sign.ts';
import { FaultStore } from './fault-store.ts';

export interface FaultStack {
  faults: FaultStore;
  signer: FaultSignClient;
  /** The real store, past the faults: what the tests read to judge the outcome. */
  store: Stores;
  listener: CapfListener;
  logger: MemoryLogger;
  host: string;
  port: number;
  caPem: string;
  setDevice(settings: Partial<DeviceSettings> & { name: string }): Promise<Device>;
  phone(deviceName: string, options?: Partial<PhoneOptions>): Promise<PhoneResult>;
  close(): Promise<void>;
}

let material: Promise<CapfCaMaterial> | undefined;

export interface FaultStackOptions extends Partial<Pick<ListenerOptions, 'messageTimeoutMs' | 'keygenTimeoutMs'>> {
  /** How long a sign request waits for another claim on the same key (SignService maxWaitMs). */
  signMaxWaitMs?: number;
}

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  material ??= generateCapfCa({ commonName: 'CAPF-faults' });
  const ca = await material;
  const dynalite = await startDynalite();
  const client = createDynamoClient(dynalite.endpoint);
  await ensureTable(client, 'capf');
  const store = createDynamoStores({ client, tableName: 'capf' });
  const faults = new FaultStore(store);
  const issuer = new CapfCaIssuer({ name: 'capf-software', certificateDer: ca.certificateDer, signer: createSoftwareSigner(createPrivateKey(ca.privateKeyPem)) });
  const signer = new FaultSignClient(new InProcessSignClient(new SignService({ stores: faults.store, issuer, parametersCacheMs: 0, ...(options.signMaxWaitMs ? { maxWaitMs: options.signMaxWaitMs } : {}) })));
  const logger = new MemoryLogger();
  const listener = new CapfListener({
    hosts: ['127.0.0.1'],
    port: 0,
    tls: ca,
    logger,
    messageTimeoutMs: options.messageTimeoutMs ?? 2_000,
    keygenTimeoutMs: options.keygenTimeoutMs ?? 5_000,
    backend: new StoreSessionBackend({
      stores: faults.store,
      signClient: signer,
      trustAnchors: async () => [ca.certificateDer],
      issuer: { name: 'capf-software', keyDelivery: 'public-key' },
      // The listener reads the parameters once; the signer reads them at every request, so a fault injected into
      // getParameters always meets the signer.
      parametersCacheMs: 3_600_000,
    }),
  });
  const port = (await listener.start())[0]?.port as number;
  return {
    faults,
    signer,
    store,
    listener,
    logger,
    host: '127.0.0.1',
    port,
    caPem: ca.certificatePem,
    setDevice: (settings) =>
      store.devices.put({ operation: 'install', authMode: 'null-string', keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256', ...settings }, { newOperation: true }),
    phone: (deviceName, phoneOptions = {}) => runPhone({ host: '127.0.0.1', port, deviceName, caPem: ca.certificatePem, timeoutMs: 10_000, ...phoneOptions }),
    async close() {
      await listener.drain(1_000);
      client.destroy();
      await dynalite.close();
    },
  };
}

/**
 * F15 after a session is over: never "in progress"; a failure keeps a reason; at most one issuance record per
 * (operation, public key) and at most one installed per operation; an LSC on the device only when its issuance was
 * confirmed installed. The states are read as the product reads them (deviceIssuances: the record the device names
 * is its installed LSC). Returns the device and its issuance records for further checks.
 */
export async function expectConsistent(store: Stores, name: string) {
  const { device, records: issuances } = await deviceIssuances(store, name);
  expect(device, `device ${name}`).toBeDefined();
  const current = device as Device;
  expect(current.status, `${name} status`).not.toBe('in-progress');
  if (current.status === 'failed') expect(current.statusReason, `${name} failure reason`).toMatch(/\S/);
  const keys = issuances.map((i) => `${i.operationId}/${i.spkiSha256}`);
  expect(new Set(keys).size, `${name}: one issuance record per operation and key`).toBe(keys.length);
  // A claim whose signer failed stays reserved until its lease passes, but never holds a certificate.
  expect(issuances.filter((i) => i.state === 'reserved' && i.certificate), `${name}: reserved claims hold no certificate`).toEqual([]);
  const installed = issuances.filter((i) => i.state === 'installed');
  expect(new Set(installed.map((i) => i.operationId)).size, `${name}: one installed certificate per operation`).toBe(installed.length);
  if (current.lsc) expect(installed.map((i) => i.certificate?.serialHex)).toContain(current.lsc.serialHex);
  else expect(installed.filter((i) => i.operationId === current.operationId)).toEqual([]);
  return { device: current, issuances };
}
