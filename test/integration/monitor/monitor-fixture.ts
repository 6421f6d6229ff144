// A monitor test bed: a fresh table on a DynamoDB stand-in, a CAPF CA, LSC records at chosen days from `now`, and
// a monitor over the outbox (or any notifiers) with the CRL written to a temporary folder.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { startDynalite, type RunningDynalite } from '../../../cli/local/dynalite.ts';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { ExpiryMonitor, type MonitorDeps } from '../../../shared/monitor-service/run.ts';
import { createSoftwareSigner, derToPem, generateCapfCa } from '../../../shared/pki/index.ts';
import type { IssuanceKey, Notifier, Stores } from '../../../shared/ports/index.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';

const DAY = 86_400_000;

export interface Bed {
  stores: Stores;
  dir: string;
  caPem: string;
  crlPath: string;
  clock: { now: Date };
  monitor(notifiers: Notifier[], extra?: Partial<MonitorDeps>): ExpiryMonitor;
  /** An LSC record `daysLeft` from now, lifetime 365 days, in `state`; returns its key and serial. */
  lsc(device: string, daysLeft: number, state?: 'issued' | 'installed' | 'superseded'): Promise<{ key: IssuanceKey; serialHex: string }>;
}

export async function makeBed(client: DynamoDBClient, start: Date): Promise<Bed> {
  const tableName = `monitor-${randomBytes(6).toString('hex')}`;
  await ensureTable(client, tableName);
  const clock = { now: start };
  const stores = createDynamoStores({ client, tableName, now: () => clock.now });
  const dir = await mkdtemp(join(tmpdir(), 'capf-monitor-'));
  const ca = await generateCapfCa({ commonName: 'CAPF-monitor-test' });
  const caPem = ca.certificatePem;
  await writeFile(join(dir, 'ca.pem'), caPem);
  const signer = createSoftwareSigner(createPrivateKey(ca.privateKeyPem));
  const crlPath = join(dir, 'capf.crl');
  return {
    stores,
    dir,
    caPem,
    crlPath,
    clock,
    monitor: (notifiers, extra = {}) =>
      new ExpiryMonitor({
        stores,
        notifiers,
        clusterName: 'test',
        ca: { certificateDer: ca.certificateDer, signer },
        crlSink: {
          publish: async (der) => {
            await writeFile(crlPath, derToPem(der, 'X509 CRL'));
            return crlPath;
          },
        },
        now: () => clock.now,
        ...extra,
      }),
    lsc: (device, daysLeft, state) => putLsc(stores, clock.now, device, daysLeft, state),
  };
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** An LSC record `daysLeft` from `now`, lifetime 365 days, in `state`; returns its key and serial. */
export async function putLsc(stores: Stores, now: Date, device: string, daysLeft: number, state: 'issued' | 'installed' | 'superseded' = 'installed'): Promise<{ key: IssuanceKey; serialHex: string }> {
  const notAfter = new Date(now.getTime() + daysLeft * DAY);
  const serialHex = `7${randomBytes(8).toString('hex')}`;
  const key = { deviceName: device, operationId: randomBytes(8).toString('hex'), spkiSha256: randomBytes(32).toString('hex') };
  await stores.issuances.putOnce({
    ...key,
    requestId: randomBytes(8).toString('hex'),
    state: 'issued',
    certificate: {
      pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      serialHex,
      subject: `CN=${device}`,
      issuer: 'CN=CAPF-monitor-test',
      notBefore: new Date(notAfter.getTime() - 365 * DAY).toISOString(),
      notAfter: notAfter.toISOString(),
      sha256Fingerprint: randomBytes(32).toString('hex'),
    },
    chainPem: [],
    issuer: 'capf-software',
    createdAt: now.toISOString(),
  });
  if (state !== 'issued') await stores.issuances.setState(key, 'installed');
  if (state === 'superseded') await stores.issuances.setState(key, 'superseded');
  return { key, serialHex };
}

/** A dynalite for the file (started before its tests, stopped after); `client()` is its DynamoDB client. */
export function useDynalite(): { client: () => DynamoDBClient } {
  let dynalite: RunningDynalite | undefined;
  let client: DynamoDBClient | undefined;
  beforeAll(async () => {
    dynalite = await startDynalite();
    client = createDynamoClient(dynalite.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await dynalite?.close();
  });
  return { client: () => client! };
}
