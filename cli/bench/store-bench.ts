// Store baseline: device reads, certificate writes and whole enrolments' store calls per second against dynalite on
// disk (as the local stack runs it, in this process), driven through the DynamoDB store adapters from the load process.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynalite } from '../local/dynalite.ts';
import { createDynamoClient, LOCAL_TABLE_NAME } from '../local/local-store.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import { armDevices, benchDeviceNames } from './bench-stack.ts';
import type { LoadProcess } from './load-client.ts';
import type { StoreFigures } from './results.ts';
import { ratePerSecond, round } from './statistics.ts';
import type { StorePhase } from './store-load.ts';

const CONCURRENCY = 16;
const DEVICES = 500;
const OPERATIONS = 3_000;
const WARM_UP_OPERATIONS = 500;

export async function benchStore(options: { load: LoadProcess }): Promise<StoreFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'capf-bench-store-'));
  const dynalite = await startDynalite({ path: join(dataDir, 'db') });
  const client = createDynamoClient(dynalite.endpoint);
  try {
    await ensureTable(client, LOCAL_TABLE_NAME);
    const names = benchDeviceNames(0x3000, DEVICES);
    await armDevices(createDynamoStores({ client, tableName: LOCAL_TABLE_NAME }), names, 'rsa');
    const phase = async (which: StorePhase, operations: number) => {
      const storeBefore = process.cpuUsage();
      const { outcome } = await options.load.run(
        { type: 'store', request: { endpoint: dynalite.endpoint, phase: which, deviceNames: names, operations, concurrency: CONCURRENCY } },
        300_000,
      );
      const store = process.cpuUsage(storeBefore);
      return {
        operations: outcome.operations,
        perSecond: round(ratePerSecond(outcome.operations, outcome.wallMs)),
        storeCpuMsPerOperation: round((store.user + store.system) / 1000 / outcome.operations, 3),
        clientCpuMsPerOperation: round(outcome.cpuMicros / 1000 / outcome.operations, 3),
      };
    };
    await phase('device-reads', WARM_UP_OPERATIONS); // the load process's first SDK calls are slower (JIT, sockets)
    return {
      concurrency: CONCURRENCY,
      deviceReads: await phase('device-reads', OPERATIONS),
      certificateWrites: await phase('certificate-writes', OPERATIONS),
      enrolmentCalls: await phase('enrolment-calls', DEVICES),
    };
  } finally {
    client.destroy();
    await dynalite.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
