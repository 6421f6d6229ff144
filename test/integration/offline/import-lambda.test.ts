// The import Lambda's handler (functions/bootstrap.ts chain, in this process) invoked with S3 "object created" events
// built as S3 sends them (URL-encoded keys, '+' for spaces): it imports signed/ uploads, skips its own reports and
// other buckets, and a repeated event changes nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessHandler } from '../../../functions/bootstrap.ts';
import { importFunction, type ImportSummary } from '../../../functions/import/import-function.ts';
import { makeExternalCa, type ExternalCa } from '../../support/external-ca.ts';
import { offlineFixture, type OfflineFixture } from './offline-fixture.ts';

let fixture: OfflineFixture;
let ca: ExternalCa;
let handler: (event: unknown) => Promise<ImportSummary[]>;

beforeAll(async () => {
  fixture = await offlineFixture();
  ca = makeExternalCa();
  fixture.trust.push(ca.rootPem);
  handler = inProcessHandler(importFunction(async () => ({ bucketName: fixture.bucketName, importer: fixture.importer() })));
});

afterAll(() => ca.close());

/** One record of an S3 event notification, as S3 delivers it to Lambda. */
function s3Record(bucketName: string, key: string, size: number, eventName = 'ObjectCreated:Put') {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: new Date().toISOString(),
    eventName,
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '198.51.100.7' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'capf-offline-import',
      bucket: { name: bucketName, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucketName}` },
      // S3 encodes keys like an HTML form: spaces as '+', the rest percent-encoded.
      object: { key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/'), size, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
    },
  };
}

describe('import Lambda on S3 events', () => {
  it('imports an upload named with spaces, skips its own report and other buckets, and is idempotent', async () => {
    const device = await fixture.device();
    const csr = await fixture.phoneCsr(device.name);
    expect((await fixture.sign(device, csr)).status).toBe('pending');
    const key = `signed/batch 1/${device.name} signed.pem`;
    const body = ca.sign(csr.csrPem);
    await fixture.upload(key, body);

    const event = { Records: [s3Record(fixture.bucketName, key, body.length), s3Record('another-bucket', key, body.length)] };
    expect(await handler(event)).toEqual([
      { key, result: 'imported' },
      { key, result: 'skipped' },
    ]);
    expect(JSON.parse((await fixture.readText(`${key}.result.json`))!)).toMatchObject({ result: 'imported', certificates: [{ deviceName: device.name }] });

    // The report's own "object created" event, and the same upload event delivered again.
    const report = await fixture.readText(`${key}.result.json`);
    expect(await handler({ Records: [s3Record(fixture.bucketName, `${key}.result.json`, report!.length)] })).toEqual([{ key: `${key}.result.json`, result: 'skipped' }]);
    expect(await handler(event)).toEqual([
      { key, result: 'imported' },
      { key, result: 'skipped' },
    ]);
    expect(fixture.audit.events.filter((each) => each.target === key)).toHaveLength(1);
    expect((await fixture.stores.csrs.listForDevice(device.name))[0]?.state).toBe('imported');
  });

  it('writes a refusal report for a bad upload and fails an event that is not S3', async () => {
    const key = `signed/${randomUUID()}.pem`;
    await fixture.upload(key, 'garbage');
    expect(await handler({ Records: [s3Record(fixture.bucketName, key, 7)] })).toEqual([{ key, result: 'refused' }]);
    expect(JSON.parse((await fixture.readText(`${key}.result.json`))!).certificates[0]).toMatchObject({ code: 'UNREADABLE_CERTIFICATE' });
    await expect(handler({ Records: [{ eventSource: 'aws:sqs' }] })).rejects.toThrow(/event is not valid/);
  });
});
