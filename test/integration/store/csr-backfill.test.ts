// Pending CSRs written before CSR items carried index keys (an older data folder or table): the one-time backfill run
// by ensureTable (capf serve, the CLI on a data folder, every store opened locally) gives them their keys, so `capf csr
// list` and the import's search by key find them; it runs once (a marker item), and a second start changes nothing.
import { randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { backfillCsrIndexKeys, CSR_BACKFILL_MARKER } from '../../../shared/store/dynamo-csr-backfill.ts';
import { pendingCsrKey } from '../../../shared/store/dynamo-pending-csr-store.ts';
import { openDynamoTable } from '../../../shared/store/dynamo-table.ts';
import type { PendingCsr } from '../../../shared/ports/index.ts';
import { BACKENDS } from './store-backends.ts';

function csr(deviceName: string, requestedAt: string): PendingCsr {
  const spkiSha256 = randomBytes(32).toString('hex');
  return {
    deviceName,
    spkiSha256,
    operationId: randomBytes(8).toString('hex'),
    requestId: `req-${randomBytes(4).toString('hex')}`,
    objectKey: `csr/${deviceName}/2026-01-01T000000Z-x.csr`,
    keyType: 'RSA 2048',
    requestedAt,
    csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n',
    state: 'pending',
  };
}

describe.each(BACKENDS)('CSR index backfill on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  beforeAll(async () => {
    connection = await backend.connect();
  });
  afterAll(() => connection?.close());

  it('indexes CSRs written without keys, once; a second start does nothing', async () => {
    const { client } = connection;
    const tableName = `csr-backfill-${randomBytes(5).toString('hex')}`;
    await ensureTable(client, tableName);
    const table = openDynamoTable(client, tableName);
    // A new table is marked at once: there was nothing to index.
    expect((await table.doc.send(new GetCommand({ TableName: tableName, Key: CSR_BACKFILL_MARKER }))).Item).toMatchObject({ updated: 0 });

    // An older table: no marker, CSR items as an earlier version wrote them (no gsi keys), beside a current one.
    await table.doc.send(new DeleteCommand({ TableName: tableName, Key: CSR_BACKFILL_MARKER }));
    const old = [csr('SEP0000000B0001', '2026-01-01T10:00:00.000Z'), csr('SEP0000000B0002', '2026-01-02T10:00:00.000Z')];
    for (const record of old) await table.doc.send(new PutCommand({ TableName: tableName, Item: { ...pendingCsrKey(record.deviceName, record.spkiSha256), ...record } }));
    const stores = createDynamoStores({ client, tableName });
    await stores.csrs.putOnce(csr('SEP0000000B0003', '2026-01-03T10:00:00.000Z'));
    expect((await stores.csrs.list()).map((c) => c.deviceName)).toEqual(['SEP0000000B0003']);
    expect(await stores.csrs.findByKey(old[0]!.spkiSha256)).toEqual([]);

    await ensureTable(client, tableName); // the next start
    expect((await stores.csrs.list()).map((c) => c.deviceName)).toEqual(['SEP0000000B0001', 'SEP0000000B0002', 'SEP0000000B0003']);
    expect((await stores.csrs.findByKey(old[0]!.spkiSha256)).map((c) => c.deviceName)).toEqual(['SEP0000000B0001']);
    expect((await table.doc.send(new GetCommand({ TableName: tableName, Key: CSR_BACKFILL_MARKER }))).Item).toMatchObject({ updated: 2 });

    // Once marked, it does not scan again, even if an unindexed item were to appear.
    const late = csr('SEP0000000B0004', '2026-01-04T10:00:00.000Z');
    await table.doc.send(new PutCommand({ TableName: tableName, Item: { ...pendingCsrKey(late.deviceName, late.spkiSha256), ...late } }));
    expect(await backfillCsrIndexKeys(table)).toEqual({ ran: false, updated: 0 });
    expect(await stores.csrs.list()).toHaveLength(3);
    // Run again without the marker: only the item still lacking keys is updated (idempotent).
    await table.doc.send(new DeleteCommand({ TableName: tableName, Key: CSR_BACKFILL_MARKER }));
    expect(await backfillCsrIndexKeys(table)).toEqual({ ran: true, updated: 1 });
    expect(await stores.csrs.list()).toHaveLength(4);
  });
});
