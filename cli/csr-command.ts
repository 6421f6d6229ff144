// `capf csr list|count|dump|delete` (F21), `capf stale-lsc list|report|delete all` (F20) and `capf cert import FILE...`
// (F3): the offline CA's pending CSRs, stale LSCs and imports, through the admin API (--endpoint, a running capf serve)
// or, with neither, the data folder's store (cli/admin/offline-monitor-target.ts).
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { staleCsv, staleJson, type CsrSummary, type StaleLsc } from '../shared/admin/csrs.ts';
import { ValidationError } from '../shared/errors.ts';
import type { ImportReport } from '../shared/issuers/offline/certificate-import.ts';
import { MAX_BUNDLE_BYTES } from '../shared/pki/certificate-bundle.ts';
import { DATA_HELP, ENDPOINT_HELP, withTarget, type TargetOptions } from './admin/open-target.ts';
import { printJson, table } from './admin/table.ts';

const DATA = ['--data <dir>', DATA_HELP] as const;
const ENDPOINT = ['--endpoint <url>', ENDPOINT_HELP] as const;

/** `2026-12-02 10:15:00 UTC`, as `utils capf csr list` prints times. */
function timestamp(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

function age(seconds: number): string {
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86_400)}d${Math.floor((seconds % 86_400) / 3600)}h`;
}

function csrTable(csrs: CsrSummary[]): string {
  if (csrs.length === 0) return 'no pending CSRs';
  return table(
    ['DEVICE', 'REQUESTED AT', 'KEY', 'AGE', 'STATE', 'NAME'],
    csrs.map((csr) => [csr.deviceName, timestamp(csr.requestedAt), csr.keyType, age(csr.ageSeconds), csr.state, csr.name]),
  );
}

function staleTable(stale: StaleLsc[]): string {
  if (stale.length === 0) return 'no stale LSCs';
  return table(
    ['DEVICE', 'SERIAL', 'NOT AFTER', 'IMPORTED AT', 'SOURCE'],
    stale.map((lsc) => [lsc.deviceName, lsc.serialHex.slice(0, 20), lsc.notAfter.slice(0, 10), timestamp(lsc.importedAt), lsc.source]),
  );
}

function importLines(report: ImportReport): string[] {
  return report.certificates.map((outcome) =>
    outcome.result === 'imported'
      ? `${report.source}: imported ${outcome.serialHex ?? ''} for ${outcome.deviceName ?? '?'}${outcome.stale ? ' (stale: the phone made a newer CSR; it will not be installed)' : ''}`
      : `${report.source}: refused ${outcome.code ?? ''}: ${outcome.reason ?? ''}`,
  );
}

async function readUpload(path: string): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new ValidationError(`cannot read certificate file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'FILE_UNREADABLE');
  }
  if (size > MAX_BUNDLE_BYTES) throw new ValidationError(`certificate file ${path} is over ${MAX_BUNDLE_BYTES} bytes`, 'FILE_TOO_LARGE');
  return new Uint8Array(await readFile(path));
}

export function registerCsrCommands(program: Command): void {
  const csr = program.command('csr').description("the offline CA's pending CSRs (F21): list with timestamps, count, dump, delete");
  csr
    .command('list')
    .description('CSRs waiting for their certificate: device, requested at, key, age')
    .option(...DATA)
    .option(...ENDPOINT)
    .option('--all', 'also the CSRs whose certificate was imported')
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { all?: boolean; json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const csrs = await admin.offline.listCsrs(opts.all ?? false);
        if (opts.json) printJson(csrs);
        else process.stdout.write(`${csrTable(csrs)}\n`);
      });
    });
  csr
    .command('count')
    .description('how many CSRs wait for a certificate (and how many have one)')
    .option(...DATA)
    .option(...ENDPOINT)
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const counts = await admin.offline.countCsrs();
        if (opts.json) printJson(counts);
        else process.stdout.write(`${counts.pending} pending, ${counts.imported} imported\n`);
      });
    });
  csr
    .command('dump <name>')
    .description('the PEM CSR on stdout (NAME: its file name from `csr list`, its object key, or a device name)')
    .option(...DATA)
    .option(...ENDPOINT)
    .action(async (name: string, opts: TargetOptions) => {
      await withTarget(opts, async (admin) => {
        process.stdout.write((await admin.offline.showCsr(name)).pem);
      });
    });
  csr
    .command('delete [name]')
    .description('delete one pending CSR, or --all of them; a certificate uploaded for it later is refused')
    .option(...DATA)
    .option(...ENDPOINT)
    .option('--all', 'every CSR still waiting for its certificate')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: TargetOptions & { all?: boolean; json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        if ((name === undefined) === !opts.all) throw new ValidationError('give a CSR name or --all (not both)', 'USAGE');
        if (opts.all) {
          const deleted = await admin.offline.deleteAllCsrs();
          if (opts.json) printJson({ deleted });
          else process.stdout.write(`deleted ${deleted} pending CSR${deleted === 1 ? '' : 's'}\n`);
          return;
        }
        const deleted = await admin.offline.deleteCsr(name!);
        if (opts.json) printJson(deleted);
        else process.stdout.write(`deleted ${deleted.name} of ${deleted.deviceName}\n`);
      });
    });

  const stale = program.command('stale-lsc').description('stale LSCs (F20): imported for a CSR the phone had already replaced');
  stale
    .command('list')
    .option(...DATA)
    .option(...ENDPOINT)
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const list = await admin.offline.staleList();
        if (opts.json) printJson(list);
        else process.stdout.write(`${staleTable(list)}\n`);
      });
    });
  stale
    .command('report')
    .description('the stale-LSC report as CSV or JSON, on stdout or into --out FILE')
    .option(...DATA)
    .option(...ENDPOINT)
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write the report here')
    .action(async (opts: TargetOptions & { format: string; out?: string }) => {
      await withTarget(opts, async (admin) => {
        if (opts.format !== 'csv' && opts.format !== 'json') throw new ValidationError('--format must be csv or json', 'USAGE');
        const stale = await admin.offline.staleList();
        const report = opts.format === 'json' ? staleJson(stale, new Date().toISOString()) : staleCsv(stale);
        if (opts.out) {
          await writeFile(opts.out, report);
          process.stdout.write(`stale-LSC report written to ${opts.out}\n`);
        } else process.stdout.write(report);
      });
    });
  stale
    .command('delete <what>')
    .description('`delete all`: remove every stale LSC')
    .option(...DATA)
    .option(...ENDPOINT)
    .option('--json', 'print JSON')
    .action(async (what: string, opts: TargetOptions & { json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        if (what !== 'all') throw new ValidationError('say `capf stale-lsc delete all`', 'USAGE');
        const deleted = await admin.offline.staleDeleteAll();
        if (opts.json) printJson({ deleted });
        else process.stdout.write(`deleted ${deleted} stale LSC${deleted === 1 ? '' : 's'}\n`);
      });
    });

  program
    .command('cert')
    .description('certificates an offline CA signed (F3)')
    .command('import <files...>')
    .description('import signed certificates (PEM, DER, several PEMs, PKCS#7) as an upload under signed/ would; exit 1 when any is refused')
    .option(...DATA)
    .option(...ENDPOINT)
    .option('--json', 'print JSON')
    .action(async (files: string[], opts: TargetOptions & { json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const reports: ImportReport[] = [];
        for (const file of files) reports.push(await admin.offline.importFile(basename(file), await readUpload(file)));
        if (opts.json) printJson(reports);
        else process.stdout.write(`${reports.flatMap(importLines).join('\n')}\n`);
        if (reports.some((report) => report.result !== 'imported')) process.exitCode = 1;
      });
    });
}
