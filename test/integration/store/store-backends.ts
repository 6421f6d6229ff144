// The two DynamoDB stand-ins the store suite runs against (dynalite in this process, the run's shared moto_server),
// plus sample data. Every store gets its own table, so tests never see each other's items.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynalite, type RunningDynalite } from '../../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { startMotoServer } from '../../support/moto-server.ts';
import type { StoredCertificate } from '../../../shared/model.ts';
import { hashAuthString } from '../../../shared/domain/auth-string.ts';
import type { DeviceSettings, IssuanceRecord, Stores } from '../../../shared/ports/index.ts';

export interface Backend {
  name: 'dynalite' | 'moto';
  /** Connects (once per file) and returns a factory of stores, each on a new table. */
  connect(): Promise<{ newStore(now?: () => Date): Promise<Stores>; client: DynamoDBClient; close(): Promise<void> }>;
}

async function storesOn(client: DynamoDBClient, prefix: string) {
  return async (now?: () => Date) => {
    const tableName = `${prefix}-${randomBytes(6).toString('hex')}`;
    await ensureTable(client, tableName);
    return createDynamoStores({ client, tableName, ...(now ? { now } : {}) });
  };
}

/** A client on the endpoint, a store factory on it, and a close that also stops what `stop` stops. */
async function connected(endpoint: string, stop: () => Promise<void>) {
  const client = createDynamoClient(endpoint);
  return {
    client,
    newStore: await storesOn(client, 'store-test'),
    async close() {
      client.destroy();
      await stop();
    },
  };
}

/**
 * For a describe block: connects to `backend` before its tests and closes after them; the store (one new table,
 * reading the time from `now`) is the function's result once the tests run.
 */
export function storeForTests(backend: Backend, now: () => Date): () => Stores {
  let connection: Awaited<ReturnType<Backend['connect']>> | undefined;
  let store: Stores | undefined;
  beforeAll(async () => {
    connection = await backend.connect();
    store = await connection.newStore(now);
  });
  afterAll(() => connection?.close());
  return () => {
    if (!store) throw new Error('the store is made before the tests run');
    return store;
  };
}

export const BACKENDS: Backend[] = [
  {
    name: 'dynalite',
    async connect() {
      const server: RunningDynalite = await startDynalite();
      return connected(server.endpoint, () => server.close());
    },
  },
  {
    name: 'moto',
    async connect() {
      return connected(inject('motoEndpoint'), async () => undefined);
    },
  },
];

/**
 * The same backends, but moto in a moto_server of the file's own: for a file that sends tens of thousands of requests
 * (moto is one Python process), so the other files running meanwhile do not queue behind it on the shared one.
 */
export const BACKENDS_OWN_MOTO: Backend[] = BACKENDS.map((backend) =>
  backend.name !== 'moto'
    ? backend
    : {
        name: 'moto',
        async connect() {
          const moto = await startMotoServer();
          return connected(moto.endpoint, async () => moto.stop());
        },
      },
);

export function randomDeviceName(): string {
  return `SEP${randomBytes(6).toString('hex').toUpperCase()}`;
}

export function randomSpkiHash(): string {
  return randomBytes(32).toString('hex');
}

/** The key the store tests hash their authentication strings with (the store only ever sees the hash). */
export const TEST_AUTH_KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
/** The stored form of '123456' under TEST_AUTH_KEY. */
export const HASHED_123456 = hashAuthString('123456', TEST_AUTH_KEY);

export function installSettings(name: string, overrides: Partial<DeviceSettings> = {}): DeviceSettings {
  return {
    name,
    operation: 'install',
    authMode: 'auth-string',
    authString: HASHED_123456,
    keyOrder: 'rsa',
    rsaKeySize: 2048,
    curve: 'P-256',
    ...overrides,
  };
}

export function sampleCertificate(serialHex = '1a2b3c'): StoredCertificate {
  return {
    pem: '-----BEGIN CERTIFICATE-----\nMIIBsample\n-----END CERTIFICATE-----\n',
    serialHex,
    subject: 'CN=SEP001122334455',
    issuer: 'CN=CAPF-test',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    sha256Fingerprint: 'ab'.repeat(32),
  };
}

export function issuedRecord(deviceName: string, operationId: string, spkiSha256: string, requestId: string): IssuanceRecord {
  return {
    deviceName,
    operationId,
    spkiSha256,
    requestId,
    state: 'issued',
    certificate: sampleCertificate(requestId.replace(/[^0-9a-f]/g, '').slice(0, 16) || '1'),
    chainPem: [],
    issuer: 'capf-software',
    createdAt: new Date().toISOString(),
  };
}
