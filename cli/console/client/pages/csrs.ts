// The offline CA's mailbox (F3, F20, F21): pending CSRs with their age (show the PEM, delete one, delete all behind a
// confirmation), importing certificates the CA signed (a file, sent as base64), and stale LSCs (remove all).
import { get, segment, send } from '../api.ts';
import type { StaleLsc } from '../../../../shared/admin/csrs.ts';
import { card, checkbox, field, h, onSubmit, page, showFailure, table, time } from '../dom.ts';

interface Csr {
  name: string;
  deviceName: string;
  requestedAt: string;
  keyType: string;
  ageSeconds: number;
  state: string;
}

interface ImportReport {
  result: string;
  certificates: { result: string; code?: string; reason?: string; deviceName?: string; subject?: string; stale?: boolean }[];
}

export async function csrsPage(params: URLSearchParams): Promise<void> {
  const all = params.get('all') === 'true';
  const csrs = h('section', { 'aria-labelledby': 'pending' }, h('h2', { id: 'pending' }, all ? 'CSRs' : 'Pending CSRs'), h('p', {}, 'Loading…'));
  const stale = h('section', { 'aria-labelledby': 'stale' }, h('h2', { id: 'stale' }, 'Stale LSCs'), h('p', {}, 'Loading…'));
  page('CSRs and stale LSCs', h('p', {}, all ? h('a', { href: '#/csrs' }, 'Only pending CSRs') : h('a', { href: '#/csrs?all=true' }, 'Also CSRs whose certificate was imported')), csrs, importForm(), stale);
  await Promise.all([loadCsrs(csrs, all), loadStale(stale)]);
}

async function loadCsrs(section: HTMLElement, all: boolean): Promise<void> {
  const heading = section.firstChild!;
  try {
    const { csrs } = await get<{ csrs: Csr[] }>('/csrs', all ? { all: 'true' } : {});
    const rows = csrs.map((csr) => {
      const show = h('button', { type: 'button', 'aria-label': `Show the CSR of ${csr.deviceName}` }, 'PEM');
      const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete the CSR of ${csr.deviceName}` }, 'Delete');
      const pem = h('pre', { class: 'pem', hidden: true });
      show.addEventListener('click', () => {
        get<{ pem: string }>(`/csrs/${segment(csr.name)}`).then(
          (detail) => {
            pem.textContent = detail.pem;
            pem.hidden = false;
          },
          (error: unknown) => showFailure(error, show),
        );
      });
      remove.addEventListener('click', () => {
        if (!window.confirm(`Delete the CSR of ${csr.deviceName}? A certificate uploaded for it later is refused.`)) return;
        send('DELETE', `/csrs/${segment(csr.name)}`).then(
          () => void loadCsrs(section, all),
          (error: unknown) => showFailure(error, remove),
        );
      });
      return [csr.deviceName, time(csr.requestedAt), `${Math.round(csr.ageSeconds / 3600)} h`, csr.keyType, csr.state, h('code', {}, csr.name), h('span', {}, show, ' ', remove, pem)];
    });
    section.replaceChildren(heading, rows.length ? table(['Device', 'Requested', 'Age', 'Key', 'State', 'File', ''], rows) : h('p', {}, 'No CSR is waiting.'), ...(rows.length ? [deleteAll('CSRs', '/csrs/delete-all', () => void loadCsrs(section, all))] : []));
  } catch (error) {
    section.replaceChildren(heading, h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}

async function loadStale(section: HTMLElement): Promise<void> {
  const heading = section.firstChild!;
  try {
    const { staleLscs } = await get<{ staleLscs: StaleLsc[] }>('/stale-lscs');
    const rows = staleLscs.map((lsc) => [lsc.deviceName, lsc.serialHex, lsc.subject, time(lsc.notAfter), time(lsc.importedAt), lsc.source]);
    section.replaceChildren(heading, rows.length ? table(['Device', 'Serial', 'Subject', 'Expires', 'Imported', 'Source'], rows) : h('p', {}, 'No stale LSC.'), ...(rows.length ? [deleteAll('stale LSCs', '/stale-lscs/delete-all', () => void loadStale(section))] : []));
  } catch (error) {
    section.replaceChildren(heading, h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}

function deleteAll(what: string, path: string, reload: () => void): HTMLElement {
  const id = `confirm-${path.replace(/\W/g, '')}`;
  const confirm = checkbox(id, `Yes, delete all ${what}`, { required: true });
  const submit = h('button', { type: 'submit', class: 'danger' }, `Delete all ${what}`);
  const form = card(`${id}-title`, `Delete all ${what}`, confirm.row, submit);
  onSubmit(form, submit, () => send('POST', path).then(reload));
  return form;
}

function importForm(): HTMLElement {
  const file = h('input', { type: 'file', name: 'file', required: true, accept: '.pem,.crt,.cer,.der,.p7b,.p7c' });
  const submit = h('button', { type: 'submit' }, 'Import');
  const result = h('div', { 'aria-live': 'polite' });
  const form = card('import', 'Import certificates the CA signed', field('Certificate file (PEM, DER, PKCS#7)', file), submit, result);
  onSubmit(form, submit, async () => {
    const chosen = file.files?.[0];
    if (!chosen) throw new Error('choose a file');
    if (chosen.size > 48_000) throw new Error(`${chosen.name} is ${chosen.size} bytes; at most 48,000`);
    const bytes = new Uint8Array(await chosen.arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    const report = await send<ImportReport>('POST', '/certificates/import', { name: chosen.name, content: btoa(binary) });
    result.replaceChildren(
      h('p', { class: report.result === 'imported' ? 'ok' : 'error' }, `Result: ${report.result}`),
      h('ul', {}, ...report.certificates.map((c) => h('li', {}, [c.deviceName ?? c.subject, c.result, c.stale ? 'stale' : undefined, c.code, c.reason].filter(Boolean).join(' — ')))),
    );
  });
  return form;
}
