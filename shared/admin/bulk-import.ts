// The CSV import and export of devices (issue 14 item 3) over the admin service: every row of a checked file is a
// create (through its template, else the default one) or a change of the device of that name, each one audited like
// a single change; a few rows at a time. A row the service refuses (a template that does not exist, a string missing
// for auth-string mode) is reported with its line; the others are applied.
import { DEFAULT_CONCURRENCY, mapBounded } from './bulk-pool.ts';
import type { AdminActor, AdminService } from './admin-service.ts';
import { deviceCsvHeader, deviceCsvLine, parseDeviceCsv, type CsvDeviceRow } from './bulk-csv.ts';
import type { DeviceQuery } from '../ports/index.ts';

export interface ImportOutcome {
  rows: number;
  created: number;
  changed: number;
  failed: { line: number; name: string; code: string; message: string }[];
  /** Strings a template in auth-string mode generated, shown once (device, string). */
  generated: { name: string; authString: string }[];
  dryRun: boolean;
}

async function importRow(service: AdminService, who: AdminActor, row: CsvDeviceRow): Promise<{ created: boolean; authString?: string }> {
  const exists = await service.getDevice(row.name).then(
    () => true,
    (error: { code?: string }) => {
      if (error?.code === 'DEVICE_NOT_FOUND') return false;
      throw error;
    },
  );
  if (exists) return { created: false, ...pickString(await service.changeDevice(who, row.name, row.change)) };
  return { created: true, ...pickString(await service.createDevice(who, row.name, row.change, row.template)) };
}

function pickString(result: { authString?: string }): { authString?: string } {
  return result.authString ? { authString: result.authString } : {};
}

/** Checks the whole text (INVALID_CSV with every bad line, nothing written), then applies the rows unless `dryRun`. */
export async function importDeviceCsv(service: AdminService, who: AdminActor, csv: string, options: { firstLine?: number; dryRun?: boolean } = {}): Promise<ImportOutcome> {
  const rows = parseDeviceCsv(csv, options.firstLine ?? 1);
  const outcome: ImportOutcome = { rows: rows.length, created: 0, changed: 0, failed: [], generated: [], dryRun: options.dryRun === true };
  if (options.dryRun) return outcome;
  await mapBounded(rows, DEFAULT_CONCURRENCY, async (row) => {
    try {
      const done = await importRow(service, who, row);
      if (done.created) outcome.created++;
      else outcome.changed++;
      if (done.authString) outcome.generated.push({ name: row.name, authString: done.authString });
    } catch (error) {
      const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'INTERNAL';
      outcome.failed.push({ line: row.line, name: row.name, code, message: error instanceof Error ? error.message : String(error) });
    }
  });
  outcome.failed.sort((a, b) => a.line - b.line);
  return outcome;
}

/** One page of the export: the CSV lines of a page of devices (with the header on the first page) and the next cursor. */
export async function exportDeviceCsv(service: AdminService, query: DeviceQuery, now: Date): Promise<{ csv: string; nextCursor?: string }> {
  const page = await service.listDevices(query);
  const lines = page.devices.map((device) => deviceCsvLine(device, now)).join('');
  return { csv: `${query.cursor ? '' : deviceCsvHeader()}${lines}`, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
