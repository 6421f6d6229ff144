// The trust stores (CAPF-trust, CallManager-trust): the certificates in each, an upload (PEM, pasted or from a file)
// answered with the admin guide's scenario of each chain or the refusal (an incomplete chain names the missing
// certificate), and removal.
import { get, segment, send } from '../api.ts';
import { card, clearErrors, field, h, page, select, showFailure, table, time } from '../dom.ts';
import type { TrustEntry, TrustUploadResult as UploadResult } from '../types.ts';


const STORES: [string, string][] = [
  ['capf', 'CAPF-trust'],
  ['callmanager', 'CallManager-trust'],
];

export async function trustPage(): Promise<void> {
  const listing = h('section', { 'aria-labelledby': 'entries' }, h('h2', { id: 'entries' }, 'Certificates'), h('p', {}, 'Loading…'));
  page('Trust stores', uploadForm(() => void load(listing)), listing);
  await load(listing);
}

async function load(listing: HTMLElement): Promise<void> {
  try {
    const { entries } = await get<{ entries: TrustEntry[] }>('/trust');
    const rows = entries.map((entry) => {
      const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${entry.subject} from ${entry.store}` }, 'Remove');
      remove.addEventListener('click', () => {
        if (!window.confirm(`Remove ${entry.subject} from ${entry.store === 'capf' ? 'CAPF-trust' : 'CallManager-trust'}?`)) return;
        send('DELETE', `/trust/${segment(entry.id)}`, undefined, { store: entry.store }).then(
          () => void load(listing),
          (error: unknown) => showFailure(error, remove),
        );
      });
      return [entry.store === 'capf' ? 'CAPF-trust' : 'CallManager-trust', entry.subject, entry.issuer, time(entry.notAfter), entry.description ?? '–', h('code', { title: entry.id }, entry.id.slice(0, 16)), remove];
    });
    listing.replaceChildren(listing.firstChild!, rows.length ? table(['Store', 'Subject', 'Issuer', 'Expires', 'Description', 'ID', ''], rows) : h('p', {}, 'Both stores are empty.'));
  } catch (error) {
    listing.replaceChildren(listing.firstChild!, h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}

function uploadForm(reload: () => void): HTMLElement {
  const store = select('store', STORES, 'capf');
  const file = h('input', { type: 'file', name: 'file', accept: '.pem,.crt,.cer,.txt' });
  const pem = h('textarea', { name: 'pem', rows: 6, spellcheck: 'false', placeholder: '-----BEGIN CERTIFICATE-----' });
  const description = h('input', { name: 'description', maxlength: 200 });
  const submit = h('button', { type: 'submit' }, 'Upload');
  const result = h('div', { 'aria-live': 'polite', id: 'upload-result' });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen && chosen.size <= 60_000) void chosen.text().then((text) => (pem.value = text));
  });
  const form = card('upload', 'Upload a certificate or chain',
    field('Store', store),
    field('PEM file', file),
    field('PEM text', pem, 'one or more certificates, any order'),
    field('Description (optional)', description),
    submit,
    result,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    result.replaceChildren();
    send<UploadResult>('POST', '/trust', { store: store.value, pem: pem.value, ...(description.value.trim() ? { description: description.value.trim() } : {}) })
      .then((answer) => {
        result.replaceChildren(
          ...answer.chains.map((chain) =>
            h(
              'div',
              { class: 'ok' },
              h('p', {}, `Scenario ${chain.number}: ${chain.meaning}${chain.rootAlreadyTrusted ? ' (its root is trusted already)' : ''}`),
              h('ul', {}, ...chain.certificates.map((cert) => h('li', {}, `${cert.role}: ${cert.subject} — ${cert.added ? 'added' : 'already there'}`))),
            ),
          ),
          ...answer.warnings.map((warning) => h('p', { class: 'warning' }, warning)),
        );
        reload();
      })
      .catch((error: unknown) => showFailure(error, pem));
  });
  return form;
}
