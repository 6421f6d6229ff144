// The expiry monitor run (F19) on dynalite with the local outbox: the 40/30/7/1/-1-day LSCs produce the right
// digest at the right frequency, repeated runs send nothing twice, expired and superseded LSCs are revoked onto a CRL
// that openssl verifies against the CAPF CA, and re-enrolment arms exactly the devices past the threshold.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DigestDocument } from '../../../shared/monitor/index.ts';
import { OutboxEmailNotifier, OutboxTopicNotifier } from '../../../shared/notify/index.ts';
import PostalMime from 'postal-mime';
import { inProcessHandler } from '../../../functions/bootstrap.ts';
import { monitorFunction } from '../../../functions/expiry-monitor/monitor-function.ts';
import type { MonitorOutcome } from '../../../shared/monitor-service/run.ts';
import { makeBed, useDynalite, type Bed } from './monitor-fixture.ts';

const DAY = 86_400_000;
const START = new Date('2027-03-01T06:00:00.000Z');

const dynamo = useDynalite();

async function outboxFiles(bed: Bed, suffix: string): Promise<string[]> {
  const names = await readdir(join(bed.dir, 'outbox')).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith(suffix)).sort().map((name) => join(bed.dir, 'outbox', name));
}

function outbox(bed: Bed) {
  const clock = () => bed.clock.now;
  return [new OutboxEmailNotifier({ dataDir: bed.dir, clock }), new OutboxTopicNotifier({ dataDir: bed.dir, clock })];
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('expiry monitor run', () => {
  it('40/30/7/1/-1 days: one digest per recipient, nothing twice, revoked LSCs on a CRL openssl verifies', async () => {
    const bed = await makeBed(dynamo.client(), START);
    const lscs = {
      d40: await bed.lsc('SEP000000000040', 40),
      d30: await bed.lsc('SEP000000000030', 30),
      d7: await bed.lsc('SEP000000000007', 7),
      d1: await bed.lsc('SEP000000000001', 1),
      expired: await bed.lsc('SEP0000000000FF', -1),
      superseded: await bed.lsc('SEP000000000030', 200, 'superseded'),
    };
    const monitor = bed.monitor(outbox(bed), { fallbackRecipients: ['capf-admin@localhost'] });

    const first = await monitor.run();
    expect(first.schedule.frequency).toBe('hourly'); // the 1-day LSC is within a day of expiry
    expect(first.revoked.map((r) => [r.device, r.cause]).sort()).toEqual([
      ['SEP000000000030', 'superseded'],
      ['SEP0000000000FF', 'expired'],
    ]);
    expect(first.deliveries.map((d) => [d.recipient, d.channel, d.notices, d.error])).toEqual([
      ['capf-admin@localhost', 'email', 4, undefined],
      ['topic:outbox', 'topic', 4, undefined],
    ]);
    const [topicFile] = await outboxFiles(bed, '-topic.json');
    const document = JSON.parse(await readFile(topicFile!, 'utf8')) as DigestDocument;
    expect(document.digest.notices.map((n) => [n.level, n.device])).toEqual([
      ['expired', 'SEP0000000000FF'],
      ['1d', 'SEP000000000001'],
      ['7d', 'SEP000000000007'],
      ['30d', 'SEP000000000030'],
    ]);
    expect(document.digest.totals).toMatchObject({ expired: 1, '1d': 1, '7d': 1, '30d': 1, revoked: 2, armed: 0 });
    expect(document.digest.frequency).toBe('hourly');
    const [mail] = await outboxFiles(bed, '-email.eml');
    const parsed = await PostalMime.parse(await readFile(mail!));
    expect(parsed.to?.map((a) => ('address' in a ? a.address : ''))).toEqual(['capf-admin@localhost']);
    expect(parsed.subject).toBe(document.content.title);
    expect(parsed.text).toContain('SEP000000000007');
    expect(first.metrics.expiringWithinLead).toBe(4);
    expect(first.metrics.criticalWithinSevenDays).toBe(3);

    // The CRL lists exactly the two revoked serials and verifies against the CAPF CA.
    expect(first.crl).toMatchObject({ published: true, crlNumber: 1, entries: 2 });
    const verify = spawnSync('openssl', ['crl', '-in', bed.crlPath, '-noout', '-verify', '-CAfile', join(bed.dir, 'ca.pem')], { encoding: 'utf8' });
    expect(verify.status).toBe(0);
    expect(`${verify.stdout}${verify.stderr}`).toMatch(/verify OK/);
    const text = openssl(['crl', '-in', bed.crlPath, '-noout', '-text']).toUpperCase();
    for (const { serialHex } of [lscs.expired, lscs.superseded]) expect(text).toContain(serialHex.toUpperCase());
    for (const { serialHex } of [lscs.d40, lscs.d30, lscs.d7, lscs.d1]) expect(text).not.toContain(serialHex.toUpperCase());
    expect(text).toMatch(/CESSATION OF OPERATION/);
    expect(text).toMatch(/SUPERSEDED/);

    // Again at once, and an hour later: nothing new to say, no new files, no new CRL.
    const second = await monitor.run();
    bed.clock.now = new Date(START.getTime() + 3_600_000);
    const third = await monitor.run();
    for (const run of [second, third]) {
      expect(run.deliveries).toEqual([]);
      expect(run.revoked).toEqual([]);
      expect(run.crl).toMatchObject({ published: false, crlNumber: 1 });
    }
    expect(await outboxFiles(bed, '-topic.json')).toHaveLength(1);
    expect(await outboxFiles(bed, '-email.eml')).toHaveLength(1);

    // A day later the 1-day LSC has expired: one new notice, revoked, and CRL number 2 lists it too.
    bed.clock.now = new Date(START.getTime() + DAY + 3_600_000);
    const later = await monitor.run();
    expect(later.deliveries.map((d) => d.notices)).toEqual([1, 1]);
    expect(later.revoked.map((r) => r.device)).toEqual(['SEP000000000001']);
    const topics = await outboxFiles(bed, '-topic.json');
    const latest = JSON.parse(await readFile(topics[topics.length - 1]!, 'utf8')) as DigestDocument;
    expect(latest.digest.notices.map((n) => [n.level, n.device])).toEqual([['expired', 'SEP000000000001']]);
    expect(later.crl).toMatchObject({ published: true, crlNumber: 2, entries: 3 });
    expect(openssl(['crl', '-in', bed.crlPath, '-noout', '-text']).toUpperCase()).toContain(lscs.d1.serialHex.toUpperCase());
    // Once nothing is within a day of expiry in service any more, the monitor runs daily again.
    expect(later.schedule.frequency).toBe('daily');
  });

  it('a dry run reports what it would do and changes nothing', async () => {
    const bed = await makeBed(dynamo.client(), START);
    await bed.lsc('SEP00000000AAAA', -2);
    const monitor = bed.monitor(outbox(bed), { fallbackRecipients: ['capf-admin@localhost'] });
    const dry = await monitor.run({ dryRun: true });
    expect(dry.revoked.map((r) => r.device)).toEqual(['SEP00000000AAAA']);
    expect(dry.deliveries.map((d) => d.id)).toEqual([undefined, undefined]);
    expect(dry.crl).toMatchObject({ published: false, crlNumber: 1 });
    expect(await outboxFiles(bed, '')).toEqual([]);
    const real = await monitor.run();
    expect(real.revoked.map((r) => r.device)).toEqual(['SEP00000000AAAA']);
    expect(real.deliveries.every((d) => d.id !== undefined)).toBe(true);
  });

  it('re-enrolment arms install with lsc-precedence on exactly the devices past the threshold', async () => {
    const bed = await makeBed(dynamo.client(), START);
    await bed.stores.parameters.update({ reenrolmentEnabled: true, expiryRecipients: ['ops@example.com'] });
    const idle = { operation: 'none', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' } as const;
    // 365-day LSCs: 100 days left = 73% of the lifetime used (past 2/3); 200 days left = 45% (not yet).
    for (const [name, days] of [['SEP0000000000A1', 100], ['SEP0000000000A2', 200], ['SEP0000000000A3', 30], ['SEP0000000000A4', 100], ['SEP0000000000A5', -3]] as const) {
      await bed.stores.devices.put({ name, ...idle });
      await bed.lsc(name, days);
    }
    await bed.stores.devices.put({ name: 'SEP0000000000A4', ...idle, operation: 'delete' }); // an operation pending: left alone
    const summary = await bed.monitor(outbox(bed)).run();
    expect(summary.armed.map((a) => a.device)).toEqual(['SEP0000000000A1', 'SEP0000000000A3']);
    expect(summary.skippedReenrolment).toEqual(['SEP0000000000A4']);
    for (const name of ['SEP0000000000A1', 'SEP0000000000A3']) {
      expect(await bed.stores.devices.get(name)).toMatchObject({ operation: 'install', authMode: 'lsc-precedence', status: 'pending' });
    }
    expect(await bed.stores.devices.get('SEP0000000000A2')).toMatchObject({ operation: 'none' });
    expect(await bed.stores.devices.get('SEP0000000000A5')).toMatchObject({ operation: 'none' }); // expired: the admin's call
    expect(summary.deliveries.map((d) => d.recipient)).toEqual(['ops@example.com', 'topic:outbox']);
    const [topicFile] = await outboxFiles(bed, '-topic.json');
    const document = JSON.parse(await readFile(topicFile!, 'utf8')) as DigestDocument;
    expect(document.digest.armed.map((a) => a.device)).toEqual(['SEP0000000000A1', 'SEP0000000000A3']);
    // Armed devices have an operation pending now: a second run arms nothing.
    expect((await bed.monitor(outbox(bed)).run()).armed).toEqual([]);
  });

  it('the function runs when the stored schedule is due: daily, hourly near an expiry; force and dryRun run at once', async () => {
    const bed = await makeBed(dynamo.client(), START);
    await bed.lsc('SEP0000000000B1', 3); // its last day starts in 2 days
    const monitor = bed.monitor(outbox(bed), { fallbackRecipients: ['capf-admin@localhost'] });
    const invoke = inProcessHandler(monitorFunction(async () => ({ monitor }))) as (event: unknown) => Promise<MonitorOutcome>;
    const first = await invoke({});
    expect(first.skipped).toBe(false);
    expect(first.skipped === false && first.summary.schedule).toMatchObject({ frequency: 'daily', nextRunAt: new Date(START.getTime() + DAY).toISOString() });
    bed.clock.now = new Date(START.getTime() + 3_600_000);
    expect(await invoke({})).toEqual({ skipped: true, nextRunAt: new Date(START.getTime() + DAY).toISOString() });
    expect((await invoke({ dryRun: true })).skipped).toBe(false);
    expect((await invoke({ force: true })).skipped).toBe(false);
    // Two days on, the LSC is in its last day: the run switches to hourly and the next hour's invocation runs.
    bed.clock.now = new Date(START.getTime() + 2 * DAY + 60_000);
    const near = await invoke({});
    expect(near.skipped === false && near.summary.schedule.frequency).toBe('hourly');
    bed.clock.now = new Date(bed.clock.now.getTime() + 3_600_000);
    expect((await invoke({})).skipped).toBe(false);
    await expect(invoke({ dryRun: 'yes' })).rejects.toThrow(/the event is not valid/);
  });
});
