// Expiry monitor: one run over 100,000 LSC records on dynalite on disk (as `capf serve` runs it), with the default
// parameters (30-day lead time, re-enrolment off). notAfter is spread evenly from 10 days ago to 720 days ahead, so a
// run sees about 1,400 expired LSCs to revoke and 4,100 within the lead time to notify; the first run sends, revokes and
// publishes the CRL, the second finds nothing new (the steady state of each daily run). Goal: < 10 s per run.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countLscs } from '../../shared/monitor-service/lsc-counts.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import { openDynamoTable } from '../../shared/store/dynamo-table.ts';
import { loadOrCreateLocalCa } from '../local/ca-files.ts';
import { startDynalite } from '../local/dynalite.ts';
import { localMonitor } from '../local/local-monitor.ts';
import { createDynamoClient, LOCAL_TABLE_NAME } from '../local/local-store.ts';
import { putItems } from './seed-items.ts';
import { round } from './statistics.ts';

export const MONITOR_BENCH_CERTIFICATES = 100_000;
const DAY = 86_400_000;

export interface MonitorFigures {
  certificates: number;
  loadSeconds: number;
  firstRun: { seconds: number; notices: number; revoked: number; crlEntries: number };
  secondRun: { seconds: number; notices: number; revoked: number };
  /** The part of a run that counts every LSC for the metrics (ten COUNT queries on the notAfter index), timed alone. */
  countSeconds: number;
}

/** The issuance items as DynamoIssuanceStore writes them (installed LSCs, with the index's certNotAfter). */
function lscItem(i: number, now: number): Record<string, unknown> {
  const notAfter = new Date(now + (-10 + (730 * i) / MONITOR_BENCH_CERTIFICATES) * DAY).toISOString();
  const deviceName = `SEP${(0x100000000000 + i).toString(16).toUpperCase().slice(-12)}`;
  const operationId = randomBytes(8).toString('hex');
  const spkiSha256 = randomBytes(32).toString('hex');
  return {
    pk: `DEVICE#${deviceName}`,
    sk: `ISSUE#${operationId}#${spkiSha256}`,
    deviceName,
    operationId,
    spkiSha256,
    requestId: operationId,
    state: 'installed',
    certificate: {
      pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      serialHex: `7${(i + 1).toString(16).padStart(12, '0')}`,
      subject: `CN=${deviceName}`,
      issuer: 'CN=CAPF-bench',
      notBefore: new Date(Date.parse(notAfter) - 365 * DAY).toISOString(),
      notAfter,
      sha256Fingerprint: spkiSha256,
    },
    chainPem: [],
    issuer: 'capf-software',
    createdAt: new Date(now).toISOString(),
    certNotAfter: notAfter,
  };
}

export async function benchMonitor(progress: (line: string) => void): Promise<MonitorFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'capf-bench-monitor-'));
  const dynalite = await startDynalite({ path: join(dataDir, 'db') });
  const client = createDynamoClient(dynalite.endpoint);
  try {
    await ensureTable(client, LOCAL_TABLE_NAME);
    const { doc } = openDynamoTable(client, LOCAL_TABLE_NAME);
    const now = Date.now();
    const loadStarted = performance.now();
    await putItems(doc, LOCAL_TABLE_NAME, MONITOR_BENCH_CERTIFICATES, (i) => lscItem(i, now), (written) => {
      if (written > 0 && written % 20_000 === 0) progress(`capf bench: monitor: ${written} of ${MONITOR_BENCH_CERTIFICATES} certificates loaded`);
    });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const ca = await loadOrCreateLocalCa(dataDir);
    const monitor = localMonitor({ dataDir, stores: createDynamoStores({ client, tableName: LOCAL_TABLE_NAME }), ca });
    const timed = async () => {
      const started = performance.now();
      const summary = await monitor.run();
      return { seconds: round((performance.now() - started) / 1000, 2), summary };
    };
    const first = await timed();
    const second = await timed();
    const countStarted = performance.now();
    await countLscs(createDynamoStores({ client, tableName: LOCAL_TABLE_NAME }).monitor, new Date());
    const countSeconds = round((performance.now() - countStarted) / 1000, 2);
    return {
      certificates: MONITOR_BENCH_CERTIFICATES,
      loadSeconds: round(loadSeconds, 1),
      firstRun: { seconds: first.seconds, notices: first.summary.dueNotices, revoked: first.summary.revoked.length, crlEntries: first.summary.crl?.entries ?? 0 },
      countSeconds,
      secondRun: { seconds: second.seconds, notices: second.summary.deliveries.reduce((sum, d) => sum + d.notices, 0), revoked: second.summary.revoked.length },
    };
  } finally {
    client.destroy();
    await dynalite.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
