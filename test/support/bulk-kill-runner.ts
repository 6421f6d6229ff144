// A separate process that runs one bulk job (test/faults/bulk-kill.test.ts SIGKILLs it): the job's store on a DynamoDB
// endpoint, the run under its own lease owner, one line on stdout per event: `committed <chunk> <done>` after each
// chunk, `half <chunk>` when --stop-in-chunk N has written the first half of chunk N and waits (to be killed there),
// `held` when another run holds the job, `ended <state> <done> <failed>` at the end. --clock-offset-ms runs as if
// that much later (a lease left by a dead run has then expired). The string key comes as hex in BULK_KEY.
import { parseArgs } from 'node:util';
import { createDynamoClient } from '../../cli/local/local-store.ts';
import { BulkAdmin, BULK_CHUNK } from '../../shared/admin/bulk-jobs.ts';
import type { BulkStore } from '../../shared/ports/index.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    table: { type: 'string' },
    job: { type: 'string' },
    owner: { type: 'string' },
    'stop-in-chunk': { type: 'string' },
    'clock-offset-ms': { type: 'string', default: '0' },
  },
});
const offset = Number(values['clock-offset-ms']);
const now = () => new Date(Date.now() + offset);
const key = new Uint8Array(Buffer.from(process.env.BULK_KEY ?? '', 'hex'));
const stores = createDynamoStores({ client: createDynamoClient(values.endpoint!), tableName: values.table!, now });
const say = (line: string) => process.stdout.write(`${line}\n`);

let bulk: BulkStore = stores.bulk;
if (values['stop-in-chunk'] !== undefined) {
  const stopAt = Number(values['stop-in-chunk']) * BULK_CHUNK;
  bulk = Object.create(stores.bulk) as BulkStore;
  bulk.apply = async (id, names, firstIndex, edit) => {
    if (firstIndex !== stopAt) return stores.bulk.apply(id, names, firstIndex, edit);
    await stores.bulk.apply(id, names.slice(0, names.length / 2), firstIndex, edit);
    say(`half ${firstIndex / BULK_CHUNK}`);
    return new Promise(() => undefined); // waits here, lease held, until the test kills the process
  };
}

const admin = new BulkAdmin({ stores: { ...stores, bulk }, authStringKey: async () => key, now });
const job = await admin.run(values.job!, { owner: values.owner!, onProgress: (j) => say(`committed ${j.nextChunk - 1} ${j.done}`) });
say(job ? `ended ${job.state} ${job.done} ${job.failed}` : 'held');
process.exit(0);
