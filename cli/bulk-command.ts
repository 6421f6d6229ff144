// `capf bulk run|list|show|cancel|strings` (issue 14, F11): bulk jobs through the admin API (docs/bulk.md), against
// `capf serve`, a deployed stack (--endpoint) or the data folder itself (the job then runs in this process). `run`
// shows the count and a sample first (--dry-run stops there), then follows the job with a progress bar (rate, ETA)
// on a terminal or plain lines otherwise, unless --detach.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { StringsPage } from '../shared/admin/bulk-jobs.ts';
import { parseNameCsv } from '../shared/admin/bulk-csv.ts';
import { ValidationError } from '../shared/errors.ts';
import { CERTIFICATE_OPERATIONS, type CertificateOperation, type OperationStatus } from '../shared/model.ts';
import type { BulkFailure, BulkSelection } from '../shared/ports/index.ts';
import { withAdminApi, type AdminApi } from './admin/admin-api.ts';
import { readInputFile } from './admin/input-file.ts';
import { DATA_HELP, ENDPOINT_HELP, type TargetOptions } from './admin/open-target.ts';
import { printJson, table } from './admin/table.ts';
import { barProgress, followJob, plainProgress, type ShownJob } from './bulk-progress.ts';
import { deadline, integer, oneOf } from './options.ts';

const STATUSES: readonly OperationStatus[] = ['none', 'pending', 'in-progress', 'success', 'failed'];
/** What --action takes, as CUCM names the operations, and the operation each arms. */
const ACTIONS: Record<string, CertificateOperation> = { install: 'install', upgrade: 'install', delete: 'delete', troubleshoot: 'fetch', fetch: 'fetch', none: 'none' };
const MAX_NAMES = 3000;

/** The query options are the selection's fields (`--without-lsc` is noLsc; `--names` a file of names). */
interface RunOptions extends TargetOptions, Omit<BulkSelection, 'names' | 'noLsc'> {
  action: CertificateOperation;
  withoutLsc?: boolean;
  names?: string;
  sharedString?: string;
  uniqueStrings?: boolean;
  deadline?: string;
  at?: string;
  dryRun?: boolean;
  detach?: boolean;
  json?: boolean;
}

/** An ISO time or a span forward from now (30d, 12h), past or future. */
function moment(value: string): string {
  const span = /^(\d{1,5})([dhm])$/.exec(value);
  if (span) return new Date(Date.now() + Number(span[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[span[2] as 'd' | 'h' | 'm']).toISOString();
  const parsed = value.length <= 40 ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed)) throw new InvalidArgumentError('must be an ISO date (2027-01-31) or a span from now like 30d, 12h');
  return new Date(parsed).toISOString();
}

async function selectionOf(opts: RunOptions): Promise<BulkSelection> {
  const query: BulkSelection = {
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    ...(opts.pattern ? { pattern: opts.pattern } : {}),
    ...(opts.status ? { status: opts.status } : {}),
    ...(opts.operation ? { operation: opts.operation } : {}),
    ...(opts.lscExpiresBefore ? { lscExpiresBefore: opts.lscExpiresBefore } : {}),
    ...(opts.lscIssuer ? { lscIssuer: opts.lscIssuer } : {}),
    ...(opts.withoutLsc ? { noLsc: true } : {}),
  };
  if (!opts.names) {
    if (Object.keys(query).length === 0) throw new ValidationError('select devices: --names FILE.csv, or at least one of --prefix --pattern --status --operation --lsc-expires-before --lsc-issuer --without-lsc', 'EMPTY_SELECTION');
    return query;
  }
  if (Object.keys(query).length > 0) throw new ValidationError('give --names or query options, not both', 'INVALID_ARGUMENTS');
  const names = [...new Set(parseNameCsv(await readInputFile(opts.names, 'names file')))];
  if (names.length > MAX_NAMES) throw new ValidationError(`${opts.names} lists ${names.length} devices; one job takes at most ${MAX_NAMES} names: split the file, or select with a query (--prefix, --pattern...)`, 'TOO_MANY_NAMES');
  return { names };
}

function describeSelection(selection: BulkSelection): string {
  if (selection.names) return `${selection.names.length} names`;
  return Object.entries(selection)
    .map(([key, value]) => (value === true ? key : `${key}=${String(value)}`))
    .join(', ');
}

function stringsText(job: ShownJob): string {
  if (job.generateStrings) return job.stringsShownAt ? `unique strings (shown at ${job.stringsShownAt})` : 'unique strings';
  return job.sharedAuthString ? 'one shared string' : 'strings unchanged';
}

export function formatJob(job: ShownJob, failures: BulkFailure[] = []): string {
  const progress = job.total === undefined ? 'targets not fixed yet (the job has not run)' : `${job.done} done, ${job.failed} failed, ${job.remaining ?? 0} remaining of ${job.total}`;
  const lines = [
    `Bulk job ${job.id} (${job.state})`,
    `  action:     ${job.operation}, ${stringsText(job)}${job.completesBy ? `, completes by ${job.completesBy}` : ''}`,
    `  selection:  ${describeSelection(job.selection)}`,
    `  run at:     ${job.runAt}${job.startedAt ? `, started ${job.startedAt}` : ''}${job.finishedAt ? `, ended ${job.finishedAt}` : ''}`,
    `  created:    ${job.createdAt} by ${job.createdBy}`,
    `  progress:   ${progress}`,
  ];
  if (failures.length > 0) {
    lines.push(`  failures${failures.length < job.failed ? ` (first ${failures.length} of ${job.failed}; more with --failures N)` : ''}:`);
    for (const f of failures) lines.push(`    ${f.name}: ${f.reason}`);
  }
  return lines.join('\n');
}

function withCommon(command: Command): Command {
  return command.option('--data <dir>', DATA_HELP).option('--endpoint <url>', ENDPOINT_HELP);
}

const jobPath = (id: string, suffix = '') => `/v1/bulk-jobs/${encodeURIComponent(id)}${suffix}`;

async function run(opts: RunOptions): Promise<void> {
  if (opts.sharedString !== undefined && opts.uniqueStrings) throw new ValidationError('give --shared-string or --unique-strings, not both', 'INVALID_ARGUMENTS');
  const body = {
    operation: opts.action,
    selection: await selectionOf(opts),
    ...(opts.sharedString !== undefined ? { authString: opts.sharedString } : {}),
    ...(opts.uniqueStrings ? { generateStrings: true } : {}),
    ...(opts.deadline ? { completesBy: opts.deadline } : {}),
    ...(opts.at ? { runAt: opts.at } : {}),
  };
  await withAdminApi(opts, async (api) => {
    if (opts.dryRun) {
      const dry = await api.call<{ count: number; sample: string[] }>({ method: 'POST', path: '/v1/bulk-jobs', body: { ...body, dryRun: true } });
      if (opts.json) return printJson(dry);
      process.stdout.write(`dry run: ${opts.action} would apply to ${dry.count} devices${dry.sample.length > 0 ? `, e.g. ${dry.sample.join(', ')}` : ''}; nothing created\n`);
      return;
    }
    const created = await api.call<{ job: ShownJob; count: number; sample: string[] }>({ method: 'POST', path: '/v1/bulk-jobs', body }, [201]);
    const { job } = created;
    if (!opts.json) process.stdout.write(`bulk job ${job.id}: ${job.operation} on ${created.count} devices${created.sample.length > 0 ? ` (${created.sample.join(', ')}${created.count > created.sample.length ? ', ...' : ''})` : ''}, run at ${job.runAt}\n`);
    const later = Date.parse(job.runAt) > Date.now() + 1_000;
    if (opts.detach || later) {
      if (opts.json) return printJson(created);
      process.stdout.write(`${later ? 'scheduled' : 'started'}; follow it with capf bulk show ${job.id}\n`);
      return;
    }
    const ended = await follow(api, job.id);
    finish(ended, opts.json ? { ...created, job: ended } : undefined);
  });
}

async function follow(api: AdminApi, id: string): Promise<ShownJob> {
  const view = process.stderr.isTTY ? await barProgress(process.stderr) : plainProgress((line) => process.stderr.write(line));
  return followJob(api, id, view);
}

function finish(job: ShownJob, json?: unknown): void {
  if (json) printJson(json);
  else {
    process.stdout.write(`job ${job.id} ${job.state}: ${job.done} done, ${job.failed} failed of ${job.total ?? 0}${job.failed > 0 ? ` (reasons: capf bulk show ${job.id})` : ''}\n`);
    if (job.generateStrings && !job.stringsShownAt) process.stdout.write(`the generated strings can be read once: capf bulk strings ${job.id} > strings.csv\n`);
  }
  if (job.failed > 0 || job.state !== 'done') process.exitCode = 1;
}

export function registerBulkCommands(program: Command): void {
  const bulk = program.command('bulk').description('bulk jobs (F11): one CAPF operation on the devices a query or a list of names selects, now or at a time');
  withCommon(bulk.command('run').description('create a bulk job: shows the count and a sample, then follows it (a progress bar on a terminal) unless --detach'))
    .requiredOption('--action <action>', `what to arm: ${Object.keys(ACTIONS).join(', ')} (install = upgrade; troubleshoot = fetch; none = no pending operation)`, (value: string) => ACTIONS[oneOf(Object.keys(ACTIONS))(value)]!)
    .option('--prefix <text>', 'devices whose name starts with this', (value: string) => value.toUpperCase())
    .option('--pattern <glob>', 'devices whose name matches: * any run, ? one character (e.g. SEP0011*)')
    .option('--status <status>', `devices whose operation has this status: ${STATUSES.join(', ')}`, oneOf(STATUSES))
    .option('--operation <op>', `devices with this operation set: ${CERTIFICATE_OPERATIONS.join(', ')}`, oneOf(CERTIFICATE_OPERATIONS))
    .option('--lsc-expires-before <time>', 'devices whose LSC expires before this (ISO date, or a span from now like 30d)', moment)
    .option('--lsc-issuer <text>', 'devices whose LSC issuer contains this text')
    .option('--without-lsc', 'devices without an LSC')
    .option('--names <file.csv>', `the devices a CSV names (a DEVICE NAME column, or one name per line; at most ${MAX_NAMES})`)
    .option('--shared-string <string>', 'one authentication string for every device (4-64 characters; sets auth-string mode)')
    .option('--unique-strings', 'a unique generated 8-digit string per device, read once with capf bulk strings')
    .option('--deadline <time>', 'the operation must complete by then (ISO date or a span like 7d)', (value: string) => deadline(value))
    .option('--at <time>', 'run at this time (ISO date or a span like 2h) instead of now', (value: string) => deadline(value))
    .option('--dry-run', 'only show how many devices the selection holds and a sample; create nothing')
    .option('--detach', 'do not follow the job (over the data folder with no capf serve, the job still runs before the command ends)')
    .option('--json', 'print the result as JSON')
    .action(run);
  withCommon(bulk.command('list').description('list the bulk jobs, newest first'))
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { json?: boolean }) => {
      await withAdminApi(opts, async (api) => {
        const { jobs } = await api.call<{ jobs: ShownJob[] }>({ method: 'GET', path: '/v1/bulk-jobs' });
        if (opts.json) return printJson({ jobs });
        if (jobs.length === 0) return void process.stdout.write(`no bulk jobs in ${api.description}: create one with capf bulk run\n`);
        const rows = jobs.map((j) => [j.id, j.state, j.operation, String(j.done), String(j.failed), j.total === undefined ? '-' : String(j.total), j.runAt, describeSelection(j.selection)]);
        process.stdout.write(`${table(['ID', 'STATE', 'ACTION', 'DONE', 'FAILED', 'TOTAL', 'RUN AT', 'SELECTION'], rows)}\n`);
      });
    });
  withCommon(bulk.command('show <id>').description('show a job: done, failed, remaining, and the failures with their reasons'))
    .option('--failures <n>', 'list at most this many failures (0-1000, default 100)', integer(0, 1000))
    .option('--json', 'print JSON')
    .action(async (id: string, opts: TargetOptions & { failures?: number; json?: boolean }) => {
      await withAdminApi(opts, async (api) => {
        const shown = await api.call<{ job: ShownJob; failures: BulkFailure[] }>({ method: 'GET', path: jobPath(id), query: { failures: opts.failures === undefined ? undefined : String(opts.failures) } });
        if (opts.json) return printJson(shown);
        process.stdout.write(`${formatJob(shown.job, shown.failures)}\n`);
      });
    });
  withCommon(bulk.command('cancel <id>').description('cancel a scheduled or running job (a running one stops after its current chunk)'))
    .option('--json', 'print JSON')
    .action(async (id: string, opts: TargetOptions & { json?: boolean }) => {
      await withAdminApi(opts, async (api) => {
        const { job } = await api.call<{ job: ShownJob }>({ method: 'POST', path: jobPath(id, '/cancel') });
        if (opts.json) return printJson({ job });
        process.stdout.write(`cancelled bulk job ${job.id} (${job.done} done, ${job.failed} failed so far)\n`);
      });
    });
  withCommon(bulk.command('strings <id>').description('write the unique strings an ended job generated as CSV (device,string), once: they are wiped as they are read'))
    .option('--json', 'print JSON')
    .action(async (id: string, opts: TargetOptions & { json?: boolean }) => {
      await withAdminApi(opts, async (api) => {
        // Page by page, each page once: the CSV is written as each page arrives, so what was read is never held back.
        // A reading cut short (a lost connection) left the job at its next page: go on from there.
        const { job } = await api.call<{ job: ShownJob & { stringsNext?: number } }>({ method: 'GET', path: jobPath(id) });
        const start = job.stringsNext ?? 0;
        if (start > 0) process.stderr.write(`the strings of the first ${start} chunks were read earlier and are gone: writing the rest\n`);
        const all: { name: string; authString: string }[] = [];
        let count = 0;
        for (let from: number | undefined = start; from !== undefined; ) {
          const page: StringsPage = await api.call<StringsPage>({ method: 'POST', path: jobPath(id, '/strings'), query: { from: String(from) } });
          if (opts.json) all.push(...page.strings);
          else process.stdout.write(`${from === start ? 'device,string\n' : ''}${page.strings.map((s) => `${s.name},${s.authString}\n`).join('')}`);
          count += page.strings.length;
          from = page.next;
        }
        if (opts.json) return printJson({ strings: all });
        process.stderr.write(`${count} strings written; they cannot be read again\n`);
      });
    });
}
