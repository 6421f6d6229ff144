// Issuance records: one per (device, operation, public key) however many requests race for it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { CERTIFICATES_BY_NOT_AFTER } from '../../../shared/store/dynamo-table.ts';
import type { IssuanceRecord, Stores } from '../../../shared/ports/index.ts';
import { BACKENDS, issuedRecord, randomDeviceName, randomSpkiHash, sampleCertificate } from './store-backends.ts';

describe.each(BACKENDS)('issuance records on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  let store: Stores;
  const clock = new Date('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    connection = await backend.connect();
    store = await connection.newStore(() => clock);
  });
  afterAll(async () => {
    await connection.close();
  });

  it('stores exactly one record when 20 requests for the same key race', async () => {
    const deviceName = randomDeviceName();
    const operationId = randomUUID();
    const spki = randomSpkiHash();
    const attempts = Array.from({ length: 20 }, (_, i) => issuedRecord(deviceName, operationId, spki, `req-${i}-${randomUUID()}`));
    const results = await Promise.all(attempts.map((record) => store.issuances.putOnce(record)));

    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    const winner = created[0]!.record;
    for (const result of results) expect(result.record).toEqual(winner);
    expect(await store.issuances.get({ deviceName, operationId, spkiSha256: spki })).toEqual(winner);
    expect(await store.issuances.listForDevice(deviceName)).toEqual([winner]);
  });

  it('lists the records of one device only, and tracks their state', async () => {
    const deviceName = randomDeviceName();
    const other = randomDeviceName();
    const first = issuedRecord(deviceName, randomUUID(), randomSpkiHash(), randomUUID());
    const second = { ...issuedRecord(deviceName, randomUUID(), randomSpkiHash(), randomUUID()), createdAt: new Date(Date.parse(first.createdAt) + 1000).toISOString() };
    await store.issuances.putOnce(second);
    await store.issuances.putOnce(first);
    await store.issuances.putOnce(issuedRecord(other, randomUUID(), randomSpkiHash(), randomUUID()));

    expect(await store.issuances.listForDevice(deviceName)).toEqual([first, second]);
    await store.issuances.setState({ deviceName, operationId: first.operationId, spkiSha256: first.spkiSha256 }, 'installed');
    await store.issuances.setState({ deviceName, operationId: second.operationId, spkiSha256: second.spkiSha256 }, 'abandoned');
    const states = (await store.issuances.listForDevice(deviceName)).map((r) => r.state);
    expect(states).toEqual(['installed', 'abandoned']);
    await expect(store.issuances.setState({ deviceName, operationId: randomUUID(), spkiSha256: first.spkiSha256 }, 'installed')).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.issuances.get({ deviceName, operationId: randomUUID(), spkiSha256: first.spkiSha256 })).toBeUndefined();
  });

  it('moves a certificate through its states only forwards, and repeats are no-ops', async () => {
    const deviceName = randomDeviceName();
    const record = issuedRecord(deviceName, randomUUID(), randomSpkiHash(), randomUUID());
    await store.issuances.putOnce(record);
    const key = { deviceName, operationId: record.operationId, spkiSha256: record.spkiSha256 };
    await store.issuances.setState(key, 'installed');
    await store.issuances.setState(key, 'installed');
    await store.issuances.setState(key, 'superseded');
    expect(await store.issuances.get(key)).toMatchObject({ state: 'superseded', stateAt: clock.toISOString() });
    await expect(store.issuances.setState(key, 'installed')).rejects.toThrow(/is superseded and cannot become installed/);
    await expect(store.issuances.setState(key, 'deleted')).rejects.toBeInstanceOf(ConflictError);
    await store.issuances.setState(key, 'revoked');
    await expect(store.issuances.setState(key, 'expired')).rejects.toBeInstanceOf(ConflictError);
    await expect(store.issuances.setState(key, 'reserved')).rejects.toBeInstanceOf(ValidationError);

    const deleted = issuedRecord(deviceName, randomUUID(), randomSpkiHash(), randomUUID());
    await store.issuances.putOnce(deleted);
    const deletedKey = { deviceName, operationId: deleted.operationId, spkiSha256: deleted.spkiSha256 };
    await store.issuances.setState(deletedKey, 'installed');
    await store.issuances.setState(deletedKey, 'deleted');
    // Issue 16: a device's current LSC may still say issued (its device names it), so issued may be superseded or
    // deleted directly; an abandoned certificate (never installed) may not.
    const current = issuedRecord(deviceName, randomUUID(), randomSpkiHash(), randomUUID());
    await store.issuances.putOnce(current);
    await store.issuances.setState(current, 'superseded');
    const abandoned = issuedRecord(deviceName, randomUUID(), randomSpkiHash(), randomUUID());
    await store.issuances.putOnce(abandoned);
    await store.issuances.setState(abandoned, 'abandoned');
    await expect(store.issuances.setState(abandoned, 'superseded')).rejects.toThrow(/is abandoned and cannot become superseded/);
    await expect(store.issuances.setState(abandoned, 'deleted')).rejects.toBeInstanceOf(ConflictError);
    expect((await store.issuances.listForDevice(deviceName)).map((r) => r.state).sort()).toEqual(['abandoned', 'deleted', 'revoked', 'superseded']);
  });

  it('lists certificates by notAfter through the index: range, states, soonest first, limit', async () => {
    const own = await connection.newStore(() => clock);
    const deviceName = randomDeviceName();
    const withNotAfter = (notAfter: string) => {
      const record = issuedRecord(deviceName, randomUUID(), randomSpkiHash(), randomUUID());
      return { ...record, certificate: { ...record.certificate!, notAfter } };
    };
    const june = withNotAfter('2027-06-01T00:00:00.000Z');
    const march = withNotAfter('2027-03-01T00:00:00.000Z');
    const may = withNotAfter('2027-05-01T00:00:00.000Z');
    const late = withNotAfter('2028-01-01T00:00:00.000Z');
    for (const record of [june, march, may, late]) await own.issuances.putOnce(record);
    // A record without a certificate is not in the index.
    await own.issuances.complete(pendingRecord({ deviceName, operationId: randomUUID(), spkiSha256: randomSpkiHash() }, 'r', 'csr/r.csr'));
    await own.issuances.setState(may, 'installed');

    const inRange = { from: '2027-01-01T00:00:00Z', to: '2027-12-31T23:59:59Z' };
    const all = await own.issuances.listByNotAfter(inRange);
    expect(all.map((r) => r.certificate?.notAfter)).toEqual([march.certificate.notAfter, may.certificate.notAfter, june.certificate.notAfter]);
    expect(all[1]).toMatchObject({ deviceName, state: 'installed', operationId: may.operationId });
    expect((await own.issuances.listByNotAfter({ ...inRange, states: ['installed'] })).map((r) => r.operationId)).toEqual([may.operationId]);
    expect((await own.issuances.listByNotAfter({ ...inRange, states: ['issued'], limit: 1 })).map((r) => r.operationId)).toEqual([march.operationId]);
    expect(await own.issuances.listByNotAfter({ from: '2030-01-01', to: '2031-01-01' })).toEqual([]);
    await expect(own.issuances.listByNotAfter({ from: '2028-01-01', to: '2027-01-01' })).rejects.toBeInstanceOf(ValidationError);
    await expect(own.issuances.listByNotAfter({ ...inRange, limit: 0 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('adds the notAfter index to a table created without it (a data folder from an earlier version)', async () => {
    const tableName = `store-old-${randomUUID().slice(0, 8)}`;
    await connection.client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    const before = issuedRecord(randomDeviceName(), randomUUID(), randomSpkiHash(), randomUUID());
    await createDynamoStores({ client: connection.client, tableName }).issuances.putOnce(before);
    await ensureTable(connection.client, tableName);
    await ensureTable(connection.client, tableName);
    const described = await connection.client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(described.Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.IndexStatus])).toContainEqual([CERTIFICATES_BY_NOT_AFTER.indexName, 'ACTIVE']);
    const upgraded = createDynamoStores({ client: connection.client, tableName });
    const fresh = issuedRecord(randomDeviceName(), randomUUID(), randomSpkiHash(), randomUUID());
    const record = { ...fresh, state: 'installed' as const, certificate: { ...fresh.certificate!, notAfter: '2029-01-01T00:00:00.000Z' } };
    await upgraded.issuances.putOnce(record);
    expect(await upgraded.issuances.listByNotAfter({ from: '2000-01-01', to: '2100-01-01' })).toEqual([before, record]);
    expect(await upgraded.issuances.get(before)).toEqual(before);
  });

  // The claim on a key lives on the device item (key-claim.test.ts): the record is written once the issuer answered.
  it('completes a key once, returns the same record on a repeat, and keeps the first of two signers', async () => {
    const key = { deviceName: randomDeviceName(), operationId: randomUUID(), spkiSha256: randomSpkiHash() };
    const issued: IssuanceRecord = { ...issuedRecord(key.deviceName, key.operationId, key.spkiSha256, 'request-c'), chainPem: ['-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n'], leaseUntil: clock.toISOString() };
    const stored = await store.issuances.complete(issued);
    expect(stored.leaseUntil).toBeUndefined();
    expect(stored).toMatchObject({ state: 'issued', certificate: issued.certificate, requestId: 'request-c' });
    expect(await store.issuances.complete(issued)).toEqual(stored);
    // A signer that took over a lapsed claim (or whose claim was taken over) and signed too: the first record stays.
    await expect(store.issuances.complete({ ...issued, requestId: 'request-d', certificate: sampleCertificate('dd') })).rejects.toBeInstanceOf(ConflictError);
    expect(await store.issuances.get(key)).toEqual(stored);
  });

  it('lets a signer abandon only a key no one recorded, or its own pending record; never another signer\'s record', async () => {
    const key = { deviceName: randomDeviceName(), operationId: randomUUID(), spkiSha256: randomSpkiHash() };
    const issued = await store.issuances.complete(issuedRecord(key.deviceName, key.operationId, key.spkiSha256, 'signer-b'));
    await expect(store.issuances.abandon(pendingRecord(key, 'signer-a', 'h'))).rejects.toBeInstanceOf(ConflictError);
    await expect(store.issuances.abandon(issued)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.issuances.get(key)).toEqual(issued);

    const refused = { ...key, spkiSha256: randomSpkiHash() };
    const claimed: IssuanceRecord = { ...refused, requestId: 'signer-r', state: 'reserved', chainPem: [], issuer: 'acm-pca', createdAt: clock.toISOString() };
    await store.issuances.abandon(claimed);
    await store.issuances.abandon(claimed);
    expect(await store.issuances.get(refused)).toMatchObject({ state: 'abandoned', requestId: 'signer-r', issuer: 'acm-pca' });

    const own = { ...key, spkiSha256: randomSpkiHash() };
    const pending = await store.issuances.complete(pendingRecord(own, 'signer-c', 'csr/c.csr'));
    await store.issuances.abandon(pending);
    await store.issuances.abandon(pending);
    expect(await store.issuances.get(own)).toMatchObject({ state: 'abandoned', requestId: 'signer-c', pendingHandle: 'csr/c.csr' });
  });

  it('records a pending request and later its certificate under the same request id, never under another', async () => {
    const key = { deviceName: randomDeviceName(), operationId: randomUUID(), spkiSha256: randomSpkiHash() };
    const pending = await store.issuances.complete(pendingRecord(key, 'request-p', 'csr/SEP.csr'));
    expect(pending).toMatchObject({ state: 'pending', pendingHandle: 'csr/SEP.csr' });
    await expect(store.issuances.complete({ ...pending, requestId: 'request-q', state: 'issued', certificate: sampleCertificate('98') })).rejects.toBeInstanceOf(ConflictError);
    const issued = await store.issuances.complete({ ...pending, state: 'issued', certificate: sampleCertificate('99') });
    expect(issued).toMatchObject({ state: 'issued', pendingHandle: 'csr/SEP.csr' });
    expect(await store.issuances.get(key)).toEqual(issued);
  });

  it('refuses malformed keys and records with ValidationError', async () => {
    const deviceName = randomDeviceName();
    await expect(store.issuances.get({ deviceName, operationId: randomUUID(), spkiSha256: 'ABCDEF' })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.issuances.putOnce({ ...issuedRecord(deviceName, randomUUID(), randomSpkiHash(), 'r'), certificate: undefined })).rejects.toThrow(/needs its certificate/);
    const key = { deviceName, operationId: randomUUID(), spkiSha256: randomSpkiHash() };
    const record: IssuanceRecord = { ...key, requestId: 'r', state: 'reserved', chainPem: [], issuer: 'capf-software', createdAt: clock.toISOString() };
    await expect(store.issuances.complete({ ...record, state: 'installed', certificate: sampleCertificate() })).rejects.toThrow(/issued or pending/);
    await expect(store.issuances.complete({ ...record, state: 'pending' })).rejects.toThrow(/handle/);
    await store.issuances.complete({ ...record, state: 'pending', pendingHandle: 'csr/r.csr' });
    await expect(store.issuances.setState({ deviceName, operationId: key.operationId, spkiSha256: key.spkiSha256 }, 'installed')).rejects.toBeInstanceOf(ConflictError);
    await expect(store.issuances.listForDevice('bad name')).rejects.toBeInstanceOf(ValidationError);
  });
});

/** What a signer writes when its CA keeps the request (state pending, the CA's handle). */
function pendingRecord(key: { deviceName: string; operationId: string; spkiSha256: string }, requestId: string, pendingHandle: string): IssuanceRecord {
  return { ...key, requestId, state: 'pending', pendingHandle, chainPem: [], issuer: 'offline', createdAt: '2026-03-01T10:00:00.000Z' };
}
