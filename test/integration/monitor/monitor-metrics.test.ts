// The expiry monitor's metrics count every certificate, not only those a run gathers: LSCs far beyond the lead time
// (>30 days) and in every state are counted through the notAfter index (COUNT queries), on dynalite and on moto, and
// the monitor function publishes them as Powertools metrics (EMF blobs read back from stdout): the four buckets and
// `Certificates` by `state`.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { inProcessHandler } from '../../../functions/bootstrap.ts';
import { MONITOR_METRICS, monitorFunction } from '../../../functions/expiry-monitor/monitor-function.ts';
import { bucketRanges } from '../../../shared/monitor-service/lsc-counts.ts';
import type { MonitorOutcome } from '../../../shared/monitor-service/run.ts';
import { motoClientConfig } from '../issuers/moto-aws.ts';
import { makeBed, useDynalite, type Bed } from './monitor-fixture.ts';

const DAY = 86_400_000;
const START = new Date('2027-05-01T06:00:00.000Z');
const dynamo = useDynalite();
const moto = new DynamoDBClient(motoClientConfig());
afterAll(() => moto.destroy());
afterEach(() => {
  vi.restoreAllMocks();
});

/** Installed LSCs on both sides of every bucket edge and far beyond the gathered window, and LSCs in other states. */
async function populate(bed: Bed): Promise<void> {
  const installed = [-3, 0.5, 1, 1.01, 7, 7.01, 30, 30.01, 45, 200, 400, 700];
  for (const [i, days] of installed.entries()) await bed.lsc(`SEP0000000001${String(i).padStart(2, '0')}`, days);
  for (const [i, days] of [20, 300].entries()) await bed.lsc(`SEP0000000002${String(i).padStart(2, '0')}`, days, 'issued');
  for (const [i, days] of [100, 500, 5].entries()) await bed.lsc(`SEP0000000003${String(i).padStart(2, '0')}`, days, 'superseded');
}

const EXPECTED_BUCKETS = { le1: 3, le7: 2, le30: 2, gt30: 5 };

describe.each([
  ['dynalite', () => dynamo.client()],
  ['moto', () => moto],
])('monitor metrics on %s', (_name, client) => {
  it('counts installed LSCs by bucket and every LSC by state, beyond what the run gathers', async () => {
    const bed = await makeBed(client(), START);
    await populate(bed);
    const monitor = bed.monitor([]);
    const summary = await monitor.run({ dryRun: true });
    // A run reads the LSCs within its window only (lead time 30 days + 2: 8 installed, 1 issued), the superseded ones
    // (3) and the CA: the 45- to 700-day LSCs are counted, never read.
    expect(summary.certificates).toBe(13);
    expect(summary.metrics.byBucket.lsc).toEqual(EXPECTED_BUCKETS);
    expect(summary.metrics.byBucket['capf-ca']).toEqual({ le1: 0, le7: 0, le30: 0, gt30: 1 });
    expect(summary.metrics.byState).toMatchObject({ installed: 12, issued: 2, superseded: 3, revoked: 0, active: 1 });
    expect(summary.metrics.criticalWithinSevenDays).toBe(5);

    // The bucket ranges meet without a gap or an overlap.
    const ranges = bucketRanges(START);
    expect(Date.parse(ranges.le7.from!) - Date.parse(ranges.le1.to!)).toBe(1);
    expect(Date.parse(ranges.gt30.from!) - Date.parse(ranges.le30.to!)).toBe(1);
    // Counts through the store directly, with a range.
    expect(await bed.stores.monitor.countCertificates('installed', { from: new Date(START.getTime() + 40 * DAY).toISOString() })).toBe(4);
    expect(await bed.stores.monitor.countCertificates('revoked')).toBe(0);

    // After a real run the expired and superseded LSCs are revoked: the next run counts them as such.
    await monitor.run();
    const after = await monitor.run({ dryRun: true });
    expect(after.metrics.byState).toMatchObject({ installed: 11, issued: 2, superseded: 0, revoked: 4 });
    expect(after.metrics.byBucket.lsc).toEqual({ ...EXPECTED_BUCKETS, le1: 2 });
  });
});

describe('the monitor function publishes the counts', () => {
  it('as the four buckets and Certificates by state (EMF)', async () => {
    const bed = await makeBed(dynamo.client(), START);
    await populate(bed);
    const output: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    const metrics = new Metrics({ namespace: 'capf-test', serviceName: 'capf-expiry-monitor-test' });
    const invoke = inProcessHandler(monitorFunction(async () => ({ monitor: bed.monitor([]) })), { metrics }) as (event: unknown) => Promise<MonitorOutcome>;
    const outcome = await invoke({ force: true });
    metrics.publishStoredMetrics();
    vi.restoreAllMocks();
    expect(outcome.skipped).toBe(false);
    const blobs = output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => '_aws' in line);
    const main = blobs.find((blob) => MONITOR_METRICS.buckets.gt30 in blob);
    // The CAPF CA (valid for years) is in service too: gt30 is the five LSCs plus it.
    expect(main).toMatchObject({ CertificatesWithin1Day: 3, CertificatesWithin7Days: 2, CertificatesWithin30Days: 2, CertificatesBeyond30Days: 6, CertificatesCritical: 5 });
    const byState = Object.fromEntries(blobs.filter((blob) => typeof blob.state === 'string' && MONITOR_METRICS.byState in blob).map((blob) => [blob.state, blob[MONITOR_METRICS.byState]]));
    expect(byState).toMatchObject({ installed: 12, issued: 2, superseded: 3, revoked: 0, active: 1, abandoned: 0, deleted: 0 });
    const dimensions = (blobs.find((blob) => blob.state === 'installed')?._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions;
    expect(dimensions.flat()).toContain('state');
  });
});
