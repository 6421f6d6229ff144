// `capf serve --workers N`: the expiry monitor runs on the primary's timer, once per stack (the workers run none),
// exactly as in the single-process stack: an LSC 3 days from its expiry gives one digest in <data>/outbox/ (one email
// to capf-admin@localhost, one topic message) and the run's schedule is stored.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListenerCluster, type ListenerCluster } from '../../../cli/local/cluster.ts';
import { openLocalStore } from '../../../cli/local/local-store.ts';
import { MemoryLogger } from '../../../shared/logging.ts';
import { putLsc } from '../monitor/monitor-fixture.ts';

let dataDir: string;
let cluster: ListenerCluster | undefined;
const logger = new MemoryLogger();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'capf-cluster-monitor-'));
  const local = await openLocalStore(dataDir);
  try {
    await putLsc(local.store, new Date(), 'SEP00000000CA01', 3);
  } finally {
    await local.close();
  }
  cluster = await startListenerCluster({ dataDir, hosts: ['127.0.0.1'], port: 0, workers: 2, logger, logLevel: 'error', caKeyType: 'ec', expiryMonitor: true });
}, 90_000);

afterAll(async () => {
  await cluster?.close(1_000);
  await rm(dataDir, { recursive: true, force: true });
});

describe('the expiry monitor in a cluster', () => {
  it('runs once, in the primary, shortly after the start: one digest per recipient', async () => {
    const runs = () => logger.entries.filter((e) => e.message === 'expiry monitor run');
    await expect.poll(() => runs().length, { timeout: 60_000, interval: 250 }).toBe(1);
    expect(runs()[0]?.attributes).toMatchObject({ dueNotices: 1, sent: 2 });
    const outbox = await readdir(join(dataDir, 'outbox'));
    expect(outbox.filter((name) => name.endsWith('-email.eml'))).toHaveLength(1);
    expect(outbox.filter((name) => name.endsWith('-topic.json'))).toHaveLength(1);
    const schedule = await cluster!.store.monitor.schedule();
    expect(Date.parse(schedule!.nextRunAt)).toBeGreaterThan(Date.parse(schedule!.lastRunAt));
    expect(cluster!.workerPids()).toHaveLength(2);
  });
});
