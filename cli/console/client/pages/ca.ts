// The CAPF certificate: its facts, an export of its PEM (a download made here, from the API's answer), and
// regeneration behind a confirmation. A stack whose issuer has no CAPF CA says so.
import { get, send } from '../api.ts';
import { card, checkbox, clearErrors, download, field, h, page, select, showFailure, time } from '../dom.ts';
import type { CapfCaView as CapfCa } from '../types.ts';


export async function caPage(): Promise<void> {
  const main = page('CAPF certificate', h('p', {}, 'Loading…'));
  let ca: CapfCa;
  try {
    ca = await get<CapfCa>('/ca');
  } catch (error) {
    main.replaceChildren(h('h1', {}, 'CAPF certificate'), h('p', { class: 'error', role: 'alert' }, (error as Error).message));
    return;
  }
  const facts = h('dl', { class: 'facts' });
  const rows: [string, Node | string][] = [
    ['Subject', ca.subject],
    ['Issuer', ca.issuer],
    ['Serial', ca.serialHex],
    ['Key', ca.key],
    ['Valid from', time(ca.notBefore)],
    ['Expires', time(ca.notAfter)],
    ['SHA-256', h('code', {}, ca.id)],
    ['Kept in', ca.where],
    ['Replaced ones still trusted', ca.previous.length ? ca.previous.map((p) => p.subject).join(', ') : 'none'],
  ];
  for (const [term, value] of rows) facts.append(h('dt', {}, term), h('dd', {}, value));
  const exportButton = h('button', { type: 'button' }, 'Export PEM');
  exportButton.addEventListener('click', () => {
    get<{ pem: string }>('/ca/certificate').then(
      ({ pem }) => download('capf-ca.pem', pem, 'application/x-pem-file'),
      (error: unknown) => showFailure(error, exportButton),
    );
  });
  page('CAPF certificate', facts, h('p', {}, exportButton), regenerateForm());
}

function regenerateForm(): HTMLElement {
  const keyType = select('keyType', [['', 'same as now'], ['rsa', 'RSA'], ['ec', 'EC']], '');
  const confirm = checkbox('confirm-regenerate', 'Yes, replace the CAPF certificate', { required: true });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Regenerate');
  const done = h('p', { 'aria-live': 'polite' });
  const form = card('regen', 'Regenerate',
    h('p', {}, 'A new certificate and key replace the current ones. The old certificate stays in CAPF-trust so the LSCs it issued still authenticate; CUCM and the phones need the new one (export it).'),
    field('Key type', keyType),
    confirm.row,
    submit,
    done,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    send<{ current: CapfCa }>('POST', '/ca/regenerate', keyType.value ? { keyType: keyType.value } : {})
      .then(() => void caPage())
      .catch((error: unknown) => showFailure(error, submit, form));
  });
  return form;
}
