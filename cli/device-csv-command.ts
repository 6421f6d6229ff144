// `capf device import FILE.csv` and `capf device export [--prefix ...] > FILE.csv` (issue 14 item 3): BAT-like columns
// (shared/admin/bulk-csv.ts), the same both ways. The file is checked here first (every bad line reported, nothing
// sent), then sent in pieces the admin API takes; a row the service refuses is reported with its line.
import type { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { CSV_COLUMNS, MAX_CSV_BYTES, parseDeviceCsv, splitDeviceCsv } from '../shared/admin/bulk-csv.ts';
import type { ImportOutcome } from '../shared/admin/bulk-import.ts';
import { ValidationError } from '../shared/errors.ts';
import { AUTH_MODES, CERTIFICATE_OPERATIONS, type OperationStatus } from '../shared/model.ts';
import { withAdminApi } from './admin/admin-api.ts';
import { ENDPOINT_HELP, type TargetOptions } from './admin/open-target.ts';
import { printJson } from './admin/table.ts';
import { oneOf } from './options.ts';

const DATA_HELP = 'data folder (default: $CAPF_DATA_DIR, else the nearest .capf here or above, else ./.capf)';
const STATUSES: readonly OperationStatus[] = ['none', 'pending', 'in-progress', 'success', 'failed'];

async function readCsv(path: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new ValidationError(`cannot read ${path}: give the path of a CSV file`, 'FILE_NOT_READABLE');
  }
  if (size > MAX_CSV_BYTES) throw new ValidationError(`${path} is over ${MAX_CSV_BYTES} bytes: split it`, 'CSV_TOO_LARGE');
  return readFile(path, 'utf8');
}

export function registerDeviceCsvCommands(program: Command): void {
  const device = program.commands.find((command) => command.name() === 'device');
  if (!device) throw new Error('register the device commands first');
  device
    .command('import <file>')
    .description(`create or change devices from a CSV file; columns (header line, any order): ${CSV_COLUMNS.join(', ')}`)
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--dry-run', 'check the file and count its rows; change nothing')
    .option('--json', 'print the outcome as JSON (with any generated strings)')
    .action(async (file: string, opts: TargetOptions & { dryRun?: boolean; json?: boolean }) => {
      const text = await readCsv(file);
      const rows = parseDeviceCsv(text); // every bad line, before anything is sent
      if (opts.dryRun) {
        if (opts.json) return printJson({ rows: rows.length, dryRun: true });
        process.stdout.write(`${file}: ${rows.length} valid rows; nothing changed (--dry-run)\n`);
        return;
      }
      const total: ImportOutcome = { rows: 0, created: 0, changed: 0, failed: [], generated: [], dryRun: false };
      await withAdminApi(opts, async (api) => {
        for (const piece of splitDeviceCsv(text)) {
          const outcome = await api.call<ImportOutcome>({ method: 'POST', path: '/v1/device-import', body: { csv: piece.csv } });
          total.rows += outcome.rows;
          total.created += outcome.created;
          total.changed += outcome.changed;
          total.generated.push(...outcome.generated);
          total.failed.push(...outcome.failed.map((f) => ({ ...f, line: piece.lines[f.line - 2] ?? f.line })));
        }
      });
      if (opts.json) printJson(total);
      else {
        process.stdout.write(`${file}: ${total.created} created, ${total.changed} changed, ${total.failed.length} refused\n`);
        for (const f of total.failed) process.stderr.write(`line ${f.line}: ${f.name}: ${f.code}: ${f.message}\n`);
        if (total.generated.length > 0) {
          process.stdout.write('generated authentication strings (shown once):\n');
          for (const g of total.generated) process.stdout.write(`${g.name},${g.authString}\n`);
        }
      }
      if (total.failed.length > 0) process.exitCode = 1;
    });
  device
    .command('export')
    .description('write devices as CSV (the columns import reads; authentication strings are never exported) to stdout')
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--status <status>', `only devices with this status: ${STATUSES.join(', ')}`, oneOf(STATUSES))
    .option('--operation <op>', `only devices with this operation: ${CERTIFICATE_OPERATIONS.join(', ')}`, oneOf(CERTIFICATE_OPERATIONS))
    .option('--prefix <text>', 'only devices whose name starts with this', (value) => value.toUpperCase())
    .option('--auth-mode <mode>', `only devices with this authentication mode: ${AUTH_MODES.join(', ')}`, oneOf(AUTH_MODES))
    .action(async (opts: TargetOptions & { status?: string; operation?: string; prefix?: string; authMode?: string }) => {
      await withAdminApi(opts, async (api) => {
        let cursor: string | undefined;
        do {
          const page = await api.call<{ csv: string; nextCursor?: string }>({
            method: 'GET',
            path: '/v1/device-export',
            query: { status: opts.status, operation: opts.operation, authMode: opts.authMode, prefix: opts.prefix, limit: '1000', cursor },
          });
          process.stdout.write(page.csv);
          cursor = page.nextCursor;
        } while (cursor);
      });
    });
}
