// Devices as CSV (BAT-like columns, docs/bulk.md): an import from a file or pasted text, checked first (a dry run:
// every bad line with its number, nothing written) and then applied, with the report per line (rows the service
// refused, strings a template generated, shown once); and an export of the devices (filters as on the devices page)
// downloaded as one file. A large file goes to the API in pieces, each with the header and the line it starts on.
import { get, send } from '../api.ts';
import { AUTH_MODES, OPERATIONS, STATUSES } from '../choices.ts';
import { card, download, field, h, onSubmit, page, select, showError, table } from '../dom.ts';
import { csvPieces, type CsvPiece } from '../csv-pieces.ts';
import type { ImportOutcome } from '../types.ts';

const MAX_FILE_BYTES = 16 * 1024 * 1024;
const EXPORT_PAGE = 1000;

export function csvPage(): void {
  page('Devices as CSV', h('p', {}, 'The columns (any order, in a header line): DEVICE NAME, CAPF OPERATION, AUTHENTICATION MODE, AUTHENTICATION STRING, KEY ORDER, RSA KEY SIZE (BITS), EC KEY SIZE (BITS), OPERATION COMPLETES BY, TEMPLATE. An empty cell leaves the setting as it is.'), importForm(), exportForm());
}

async function importPieces(pieces: CsvPiece[], dryRun: boolean): Promise<ImportOutcome> {
  const total: ImportOutcome = { rows: 0, created: 0, changed: 0, failed: [], generated: [], dryRun };
  for (const piece of pieces) {
    const outcome = await send<ImportOutcome>('POST', '/device-import', { csv: piece.csv, ...(piece.firstLine > 1 ? { firstLine: piece.firstLine } : {}), ...(dryRun ? { dryRun } : {}) });
    total.rows += outcome.rows;
    total.created += outcome.created;
    total.changed += outcome.changed;
    total.failed.push(...outcome.failed);
    total.generated.push(...outcome.generated);
  }
  return total;
}

function importForm(): HTMLElement {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv' });
  const text = h('textarea', { name: 'csv', rows: 6, spellcheck: 'false', placeholder: 'DEVICE NAME,CAPF OPERATION,AUTHENTICATION MODE\nSEP001122334455,Install/Upgrade,By Null String' });
  const check = h('button', { type: 'submit', value: 'check' }, 'Check (dry run)');
  const apply = h('button', { type: 'submit', value: 'import' }, 'Import');
  const report = h('div', { id: 'import-report', 'aria-live': 'polite' });
  let fileText: Promise<string> | undefined;
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    fileText = chosen ? chosen.text() : undefined;
  });
  const form = card('import', 'Import devices', field('CSV file', file), field('Or CSV text', text, 'used when no file is chosen'), h('p', {}, check, ' ', apply), report);
  let action = 'check';
  for (const button of [check, apply]) button.addEventListener('click', () => (action = button.value));
  onSubmit(form, apply, async () => {
    report.replaceChildren();
    const chosen = file.files?.[0];
    if (chosen && chosen.size > MAX_FILE_BYTES) return showError(file, `the file is over ${MAX_FILE_BYTES} bytes: split it`);
    const source = (await fileText) ?? text.value;
    if (!source.trim()) return showError(text, 'choose a CSV file or paste CSV text');
    const pieces = csvPieces(source.replace(/^\uFEFF/, ''));
    try {
      // The whole file is checked before any piece is applied: a bad line anywhere changes nothing.
      const checked = await importPieces(pieces, true);
      if (action === 'check') return void report.replaceChildren(h('p', { class: 'ok' }, `${checked.rows} valid rows; nothing changed (dry run).`));
      showReport(report, await importPieces(pieces, false));
    } catch (error) {
      if ((error as { code?: string }).code !== 'INVALID_CSV') throw error;
      showError(fileText !== undefined ? file : text, `${(error as Error).message} (INVALID_CSV)`);
    }
  });
  return form;
}

function showReport(report: HTMLElement, outcome: ImportOutcome): void {
  report.replaceChildren(h('p', { class: outcome.failed.length ? 'warning' : 'ok' }, `${outcome.created} created, ${outcome.changed} changed, ${outcome.failed.length} refused.`));
  if (outcome.failed.length) {
    const rows = outcome.failed.map((failure) => [String(failure.line), failure.name, failure.code, failure.message]);
    report.append(table(['Line', 'Device', 'Code', 'Reason'], rows, 'Rows refused'));
  }
  if (outcome.generated.length) {
    const rows = outcome.generated.map((generated) => [generated.name, h('output', {}, generated.authString)]);
    report.append(h('p', { class: 'secret' }, 'Authentication strings a template generated (not shown again):'), table(['Device', 'Authentication string'], rows, 'Generated strings'));
  }
}

function exportForm(): HTMLElement {
  const prefix = h('input', { name: 'prefix', maxlength: 64, pattern: '[A-Za-z0-9_.\\-]*', autocomplete: 'off', spellcheck: 'false' });
  const status = select('status', [['', 'any'], ...STATUSES], '');
  const operation = select('operation', [['', 'any'], ...OPERATIONS], '');
  const authMode = select('authMode', [['', 'any'], ...AUTH_MODES], '');
  const submit = h('button', { type: 'submit' }, 'Export CSV');
  const done = h('p', { id: 'export-result', 'aria-live': 'polite' });
  const form = card('export', 'Export devices', h('div', { class: 'columns' }, field('Name starts with', prefix), field('Status', status), field('Operation', operation), field('Authentication mode', authMode)), submit, done);
  onSubmit(form, submit, async () => {
    done.textContent = 'Exporting…';
    let csv = '';
    let cursor: string | undefined;
    do {
      const page = await get<{ csv: string; nextCursor?: string }>('/device-export', { prefix: prefix.value.trim().toUpperCase(), status: status.value, operation: operation.value, authMode: authMode.value, limit: EXPORT_PAGE, cursor });
      csv += page.csv;
      cursor = page.nextCursor;
    } while (cursor);
    const devices = Math.max(0, csv.split('\n').filter((line) => line.trim()).length - 1);
    download('devices.csv', csv, 'text/csv');
    done.textContent = `${devices} devices exported to devices.csv.`;
  });
  return form;
}
