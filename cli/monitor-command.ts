// `capf monitor run [--dry-run]`: one expiry monitor run now on the local data folder (notices to <data>/outbox/, the
// CRL to <data>/capf.crl); `capf report expiry [--within 30d] [--csv|--json]`: LSCs (and the CAPF CA) expiring within
// a span, with device, serial, notAfter, days left and state. Both act through the admin API (--endpoint: a deployed
// stack's runs its monitor function; a running capf serve) or, with neither, on the data folder. docs/expiry-monitoring.md.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { DAY_MS, EXPIRY_BUCKET_LABELS, EXPIRY_BUCKETS } from '../shared/monitor/index.ts';
import type { MonitorSummary } from '../shared/monitor-service/run.ts';
import { printJson, table } from './admin/table.ts';
import { DATA_HELP, ENDPOINT_HELP, withTarget, type TargetOptions } from './admin/open-target.ts';

/** `30d`, `12h`: a span of at most 10 years. */
function span(value: string): number {
  const match = /^(\d{1,4})([dh])$/.exec(value);
  const ms = match ? Number(match[1]) * (match[2] === 'd' ? DAY_MS : 3_600_000) : Number.NaN;
  if (!(ms > 0 && ms <= 3650 * DAY_MS)) throw new InvalidArgumentError('must be a span like 30d or 12h (at most 3650d)');
  return ms;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function summaryLines(summary: MonitorSummary): string {
  const lines = [
    `${summary.dryRun ? 'dry run (nothing sent, revoked, armed or published)' : 'monitor run'} at ${summary.at}: ${summary.certificates} certificates, ${summary.dueNotices} due notices`,
    ...summary.deliveries.map((d) => `  ${d.channel} ${d.recipient}: ${d.notices} new notices${d.id ? ` -> ${d.id}` : ''}${d.error ? ` FAILED: ${d.error}` : ''}`),
    `  revoked: ${summary.revoked.length ? summary.revoked.map((r) => `${r.device} ${r.serialHex} (${r.cause})`).join(', ') : 'none'}`,
    `  re-enrolment armed: ${summary.armed.length ? summary.armed.map((a) => a.device).join(', ') : 'none'}${summary.skippedReenrolment.length ? ` (skipped, operation pending: ${summary.skippedReenrolment.join(', ')})` : ''}`,
    summary.crl ? `  CRL: number ${summary.crl.crlNumber}, ${summary.crl.entries} entries, ${summary.crl.published ? `published to ${summary.crl.location}` : 'unchanged'}, next update ${summary.crl.nextUpdate}` : '  CRL: none (no CA signer)',
    `  certificates by state: ${Object.entries(summary.metrics.byState).map(([state, n]) => `${state} ${n}`).join(', ')}`,
    `  in service by days left: ${EXPIRY_BUCKETS.map((bucket) => `${EXPIRY_BUCKET_LABELS[bucket]} ${Object.values(summary.metrics.byBucket).reduce((sum, kind) => sum + kind[bucket], 0)}`).join(', ')}`,
    `  next run: ${summary.schedule.nextRunAt} (${summary.schedule.frequency}: ${summary.schedule.reason})`,
  ];
  return `${lines.join('\n')}\n`;
}

export function registerMonitorCommands(program: Command): void {
  const monitor = program.command('monitor').description('the expiry monitor (F19): notices, revocation, the CRL, re-enrolment');
  monitor
    .command('run')
    .description('run the expiry monitor now on the local data folder (digests to <data>/outbox/, CRL to <data>/capf.crl)')
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--dry-run', 'say what would be sent, revoked, armed and published, and change nothing')
    .option('--json', 'print the run summary as JSON')
    .action(async (opts: TargetOptions & { dryRun?: boolean; json?: boolean }) => {
      const summary = await withTarget(opts, (target) => target.monitor.run(opts.dryRun === true));
      if (opts.json) printJson(summary);
      else process.stdout.write(summaryLines(summary));
    });

  const report = program.command('report').description('reports over the certificates');
  report
    .command('expiry')
    .description('LSCs and the CAPF CA expiring within a span (expired ones included): device, serial, notAfter, days left, state')
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--within <span>', 'how far ahead: 30d, 12h ...', span, 30 * DAY_MS)
    .option('--csv', 'print CSV')
    .option('--json', 'print a JSON array')
    .action(async (opts: TargetOptions & { within: number; csv?: boolean; json?: boolean }) => {
      const rows = await withTarget(opts, (target) => target.monitor.expiryReport(opts.within));
      const cells = rows.map((r) => [r.kind, r.device, r.serialHex, r.notAfter, r.daysLeft.toFixed(1), r.state]);
      const header = ['kind', 'device', 'serial', 'notAfter', 'daysLeft', 'state'];
      if (opts.json) printJson(rows);
      else if (opts.csv) process.stdout.write(`${[header, ...cells].map((line) => line.map(csvField).join(',')).join('\n')}\n`);
      else if (rows.length === 0) process.stdout.write(`no certificate expires within ${Math.round(opts.within / DAY_MS)} days\n`);
      else process.stdout.write(`${table(header, cells)}\n`);
    });
}
