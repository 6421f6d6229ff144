// Automatic re-enrolment end to end (issue 13 item 3): a phone's LSC is near its expiry, a monitor run arms the device
// (install, lsc-precedence), and `capf phone install` (the CLI simulator, in its own process) renews over real TLS
// with the LSC and key it holds: a new LSC that openssl verifies against the CAPF CA, the old record superseded, and
// the next run arms nothing. The first LSC is issued with a 1-day lifetime; the monitor's clock is 20 hours later.
import { execFile, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localMonitor } from '../../cli/local/local-monitor.ts';
import { deviceIssuances } from '../../shared/domain/certificate-states.ts';
import type { DigestDocument } from '../../shared/monitor/index.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const run = promisify(execFile);
const CAPF = join(process.cwd(), 'bin', 'capf.js');
const DEVICE = 'SEP00000000AE01';
const HOUR = 3_600_000;
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ parametersCacheMs: 0 });
}, 60_000);
afterAll(() => t?.close());

describe('re-enrolment armed by the monitor, renewed by the phone with its LSC', () => {
  it('arms the device near expiry; capf phone renews with its LSC over TLS; the old LSC is superseded', async () => {
    const { store } = t.stack;
    await store.parameters.update({ lscValidityDays: 1 });
    await t.setDevice({ name: DEVICE });
    const first = await t.phone(DEVICE);
    expect(first.endReason, first.error).toBe(1);
    const oldLsc = new X509Certificate(first.certificatePem!);
    await store.parameters.update({ lscValidityDays: 365, reenrolmentEnabled: true });
    expect((await store.devices.get(DEVICE))?.operation).toBe('none');

    // 20 hours into a 24-hour lifetime: past two thirds, 4 hours left.
    const later = new Date(Date.parse(oldLsc.validFrom) + 20 * HOUR);
    const monitor = localMonitor({ dataDir: t.dataDir, stores: store, ca: t.stack.ca, now: () => later });
    const summary = await monitor.run();
    expect(summary.armed.map((a) => a.device)).toEqual([DEVICE]);
    expect(await store.devices.get(DEVICE)).toMatchObject({ operation: 'install', authMode: 'lsc-precedence' });
    const outbox = await readdir(join(t.dataDir, 'outbox'));
    const topic = outbox.find((name) => name.endsWith('-topic.json'));
    const digest = JSON.parse(await readFile(join(t.dataDir, 'outbox', topic!), 'utf8')) as DigestDocument;
    expect(digest.digest.armed.map((a) => a.device)).toEqual([DEVICE]);

    // The phone renews with what it holds: its LSC and key, through the CLI simulator.
    const files = { ca: join(t.dataDir, 'trusted-capf.pem'), lsc: join(t.dataDir, 'lsc.pem'), key: join(t.dataDir, 'lsc-key.pem'), out: join(t.dataDir, 'new-lsc.pem') };
    await writeFile(files.ca, t.caPem);
    await writeFile(files.lsc, first.certificatePem!);
    await writeFile(files.key, first.privateKeyPem!, { mode: 0o600 });
    const phone = await run(process.execPath, [CAPF, 'phone', 'install', DEVICE, '--port', String(t.port), '--ca', files.ca, '--cert', files.lsc, '--key', files.key, '--out', files.out, '--timeout', '8000'], { timeout: 60_000 });
    expect(phone.stdout).toContain(`certificate written to ${files.out}`);
    const renewed = new X509Certificate(await readFile(files.out, 'utf8'));
    expect(renewed.serialNumber).not.toBe(oldLsc.serialNumber);
    expect(renewed.subject).toContain(`CN=${DEVICE}`);
    expect(Date.parse(renewed.validTo) - Date.parse(renewed.validFrom)).toBeGreaterThan(300 * 24 * HOUR);
    const verify = spawnSync('openssl', ['verify', '-CAfile', files.ca, files.out], { encoding: 'utf8' });
    expect(verify.stdout, verify.stderr).toMatch(/OK/);

    const device = await store.devices.get(DEVICE);
    expect(device).toMatchObject({ operation: 'none', status: 'success' });
    // The states as the product reads them: the renewed LSC's record is the one the device names (issue 16).
    const { records } = await deviceIssuances(store, DEVICE);
    const bySerial = new Map(records.map((r) => [r.certificate?.serialHex.toLowerCase().replace(/^0+/, ''), r.state]));
    expect(bySerial.get(oldLsc.serialNumber.toLowerCase().replace(/^0+/, ''))).toBe('superseded');
    expect(bySerial.get(renewed.serialNumber.toLowerCase().replace(/^0+/, ''))).toBe('installed');
    const renewedRecord = records.find((r) => r.certificate?.serialHex.toLowerCase().replace(/^0+/, '') === renewed.serialNumber.toLowerCase().replace(/^0+/, ''));

    // The renewed LSC has most of its life ahead: the next run arms nothing, and revokes the superseded LSC.
    const next = await monitor.run();
    expect(next.armed).toEqual([]);
    expect(next.revoked.map((r) => [r.device, r.cause])).toEqual([[DEVICE, 'superseded']]);
    // That run wrote installed on the renewed LSC's record, which the session had left issued.
    expect((await store.issuances.get(renewedRecord!))?.state).toBe('installed');
  });
});
