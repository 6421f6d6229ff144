// Devices as CSV with BAT-like columns (issue 14 item 3): what `capf device export` writes and `capf device import`
// reads, so export -> edit in a spreadsheet -> import round-trips. Pure: text in, rows (or line-numbered errors) out.
// RFC 4180 quoting, CRLF or LF, an optional UTF-8 BOM; the header names the columns (any order, case-insensitive);
// an unknown column, a bad value or a repeated device is refused with its line number. An empty cell leaves the
// setting as it is (a new device: its template's or the default).
import { ValidationError } from '../errors.ts';
import type { AuthMode, CertificateOperation, Device, EcCurve, KeyOrder } from '../model.ts';
import { normaliseDeviceName } from '../domain/device-name.ts';
import { checkClearAuthString } from '../domain/auth-string.ts';
import type { DeviceChange } from './device-changes.ts';

export const CSV_COLUMNS = [
  'DEVICE NAME',
  'CAPF OPERATION',
  'AUTHENTICATION MODE',
  'AUTHENTICATION STRING',
  'KEY ORDER',
  'RSA KEY SIZE (BITS)',
  'EC KEY SIZE (BITS)',
  'OPERATION COMPLETES BY',
  'TEMPLATE',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

/** A file over this is refused before it is parsed (about 200,000 rows). */
export const MAX_CSV_BYTES = 16 * 1024 * 1024;
const MAX_CELL = 256;

const OPERATIONS: Record<string, CertificateOperation> = { 'install/upgrade': 'install', delete: 'delete', troubleshoot: 'fetch', 'no pending operation': 'none' };
const AUTH_MODES: Record<string, AuthMode> = {
  'by null string': 'null-string',
  'by authentication string': 'auth-string',
  'by existing certificate (precedence to lsc)': 'lsc-precedence',
  'by existing certificate (precedence to mic)': 'mic-precedence',
};
const KEY_ORDERS: Record<string, KeyOrder> = { 'rsa only': 'rsa', 'ec only': 'ec', 'ec preferred, rsa backup': 'ec-rsa' };
const RSA_SIZES = ['1024', '2048', '3072', '4096'];
const EC_SIZES: Record<string, EcCurve> = { '256': 'P-256', '384': 'P-384', '521': 'P-521' };

function labelOf<T>(table: Record<string, T>, value: T): string {
  const key = Object.keys(table).find((k) => table[k] === value) ?? '';
  // The label as BAT writes it: Install/Upgrade, By Null String, EC Preferred, RSA Backup ...
  return key.replace(/\b([a-z])/g, (c) => c.toUpperCase()).replace(/\b(Rsa|Ec|Lsc|Mic)\b/g, (w) => w.toUpperCase());
}

/** One CSV row: the device, its change, the template to create it through, and its line in the file (1 = header). */
export interface CsvDeviceRow {
  line: number;
  name: string;
  change: DeviceChange;
  template?: string;
}

export interface CsvProblem {
  line: number;
  message: string;
}

/** Splits CSV text into records with the line each starts on. */
function records(text: string, firstLine: number): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = firstLine;
  let start = line;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]!.trim() === '')) out.push({ line: start, cells });
    cells = [];
    cell = '';
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else cell += c;
  }
  if (quoted) throw new ValidationError(`line ${start}: a quoted cell is not closed`, 'INVALID_CSV');
  if (cell !== '' || cells.length > 0) endRecord();
  return out;
}

function pick<T>(table: Record<string, T>, column: Column, value: string): T {
  const found = table[value.toLowerCase()];
  if (found === undefined) throw new Error(`${column} "${value.slice(0, 60)}" is not one of: ${Object.keys(table).map((k) => labelOf(table, table[k]!)).join('; ')}`);
  return found;
}

function rowFrom(cells: Partial<Record<Column, string>>, line: number): CsvDeviceRow {
  const name = normaliseDeviceName(cells['DEVICE NAME'] ?? '');
  const change: DeviceChange = {};
  const get = (column: Column) => {
    const value = cells[column]?.trim() ?? '';
    return value === '' ? undefined : value;
  };
  const operation = get('CAPF OPERATION');
  if (operation) change.operation = pick(OPERATIONS, 'CAPF OPERATION', operation);
  const mode = get('AUTHENTICATION MODE');
  if (mode) change.authMode = pick(AUTH_MODES, 'AUTHENTICATION MODE', mode);
  const secret = cells['AUTHENTICATION STRING'];
  if (secret !== undefined && secret !== '') change.authString = checkClearAuthString(secret);
  const order = get('KEY ORDER');
  if (order) change.keyOrder = pick(KEY_ORDERS, 'KEY ORDER', order);
  const rsa = get('RSA KEY SIZE (BITS)');
  if (rsa) {
    if (!RSA_SIZES.includes(rsa)) throw new Error(`RSA KEY SIZE (BITS) "${rsa.slice(0, 20)}" is not one of ${RSA_SIZES.join(', ')}`);
    change.rsaKeySize = Number(rsa);
  }
  const ec = get('EC KEY SIZE (BITS)');
  if (ec) change.curve = pick(EC_SIZES, 'EC KEY SIZE (BITS)', ec);
  const by = get('OPERATION COMPLETES BY');
  if (by) {
    if (Number.isNaN(Date.parse(by))) throw new Error(`OPERATION COMPLETES BY "${by.slice(0, 40)}" is not a date (2027-01-31T18:00:00Z)`);
    change.completesBy = new Date(Date.parse(by)).toISOString();
  }
  const template = get('TEMPLATE');
  return { line, name, change, ...(template ? { template } : {}) };
}

/**
 * The device names of a CSV for a bulk job (`capf bulk run --names FILE.csv`): the DEVICE NAME column when the first
 * line is a header naming it (any other columns are ignored, so an export works as it is), else the first cell of
 * every line. ValidationError INVALID_CSV lists every bad name's line (at most 50).
 */
export function parseNameCsv(text: string): string[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_CSV_BYTES) throw new ValidationError(`the CSV is over ${MAX_CSV_BYTES} bytes: split it`, 'CSV_TOO_LARGE');
  const rows = records(text, 1);
  const header = rows[0]?.cells.map((cell) => cell.trim().toUpperCase()) ?? [];
  const column = header.indexOf('DEVICE NAME');
  const body = column >= 0 ? rows.slice(1) : rows;
  const names: string[] = [];
  const problems: string[] = [];
  for (const row of body) {
    try {
      names.push(normaliseDeviceName((row.cells[Math.max(column, 0)] ?? '').trim()));
    } catch (error) {
      if (problems.length < 50) problems.push(`line ${row.line}: ${(error as Error).message}`);
      else break;
    }
  }
  if (problems.length > 0) throw new ValidationError(`the names file has bad lines: ${problems.join('; ')}`, 'INVALID_CSV');
  if (names.length === 0) throw new ValidationError('the names file lists no devices (one name per line, or a DEVICE NAME column)', 'INVALID_CSV');
  return names;
}

/**
 * The rows of a device CSV, or ValidationError INVALID_CSV listing every bad line (at most 50) and nothing written.
 * `firstLine`: the number of the header's line (a chunk of a larger file carries the header and its offset).
 */
export function parseDeviceCsv(text: string, firstLine = 1): CsvDeviceRow[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_CSV_BYTES) throw new ValidationError(`the CSV is over ${MAX_CSV_BYTES} bytes: split it`, 'CSV_TOO_LARGE');
  const all = records(text, firstLine);
  const header = all.shift();
  if (!header) throw new ValidationError('the CSV is empty: its first line must be the header', 'INVALID_CSV');
  const columns = header.cells.map((cell) => cell.trim().toUpperCase());
  const unknown = columns.filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
  if (unknown.length > 0) {
    throw new ValidationError(`line ${header.line}: unknown column ${unknown.map((c) => JSON.stringify(c.slice(0, 40))).join(', ')}; the columns are: ${CSV_COLUMNS.join(', ')}`, 'INVALID_CSV');
  }
  if (!columns.includes('DEVICE NAME')) throw new ValidationError(`line ${header.line}: the header has no DEVICE NAME column`, 'INVALID_CSV');
  const repeated = columns.find((c, i) => columns.indexOf(c) !== i);
  if (repeated) throw new ValidationError(`line ${header.line}: column ${repeated} appears twice`, 'INVALID_CSV');
  const problems: CsvProblem[] = [];
  const rows: CsvDeviceRow[] = [];
  const seen = new Map<string, number>();
  for (const record of all) {
    try {
      if (record.cells.length !== columns.length) throw new Error(`${record.cells.length} cells, the header has ${columns.length}`);
      if (record.cells.some((cell) => cell.length > MAX_CELL)) throw new Error(`a cell is over ${MAX_CELL} characters`);
      const cells: Partial<Record<Column, string>> = {};
      columns.forEach((column, i) => (cells[column as Column] = record.cells[i]!));
      const row = rowFrom(cells, record.line);
      const earlier = seen.get(row.name);
      if (earlier !== undefined) throw new Error(`device ${row.name} is on line ${earlier} already`);
      seen.set(row.name, record.line);
      rows.push(row);
    } catch (error) {
      problems.push({ line: record.line, message: error instanceof Error ? error.message : String(error) });
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 50).map((p) => `line ${p.line}: ${p.message}`);
    const more = problems.length > 50 ? ` (and ${problems.length - 50} more)` : '';
    throw new ValidationError(`${problems.length} bad row${problems.length === 1 ? '' : 's'}, nothing imported: ${shown.join('; ')}${more}`, 'INVALID_CSV');
  }
  return rows;
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function deviceCsvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/**
 * One device as a CSV line of the same columns import reads. The authentication string is never written (only its
 * keyed hash is stored): the cell is empty, which import reads as "keep the string the device has". A deadline that
 * has passed is left out (import would refuse it).
 */
export function deviceCsvLine(device: Pick<Device, 'name' | 'operation' | 'authMode' | 'keyOrder' | 'rsaKeySize' | 'curve' | 'completesBy'>, now: Date): string {
  const deadline = device.completesBy && Date.parse(device.completesBy) > now.getTime() ? device.completesBy : '';
  const cells = [
    device.name,
    labelOf(OPERATIONS, device.operation),
    labelOf(AUTH_MODES, device.authMode),
    '',
    labelOf(KEY_ORDERS, device.keyOrder),
    String(device.rsaKeySize),
    device.curve.slice(2),
    deadline,
    '',
  ];
  return `${cells.map(quote).join(',')}\r\n`;
}

/**
 * A checked file cut into pieces the API takes (each under `maxBytes`, the header first): each piece's rows with
 * the lines they are on in the whole file, so a row the service refuses is reported with its own line.
 */
export function splitDeviceCsv(text: string, maxBytes = 50_000): { csv: string; lines: number[] }[] {
  parseDeviceCsv(text);
  const all = records(text, 1);
  const header = `${all.shift()!.cells.map(quote).join(',')}\r\n`;
  const pieces: { csv: string; lines: number[] }[] = [];
  let csv = header;
  let lines: number[] = [];
  for (const record of all) {
    const line = `${record.cells.map(quote).join(',')}\r\n`;
    if (lines.length > 0 && csv.length + line.length > maxBytes) {
      pieces.push({ csv, lines });
      csv = header;
      lines = [];
    }
    csv += line;
    lines.push(record.line);
  }
  if (lines.length > 0) pieces.push({ csv, lines });
  return pieces;
}
