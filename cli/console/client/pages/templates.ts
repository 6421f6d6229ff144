// Device templates (F10): the list with the default marked, one template's settings, a form to create one (optionally
// the default), making one the default or clearing the default, and deleting one behind a confirmation. A device
// created without a setting gets the template's (the devices page and the CSV import name a template).
import { get, segment, send } from '../api.ts';
import { TEMPLATE_DEADLINE_DAYS as DEADLINE_DAYS } from '../bounds.ts';
import { AUTH_MODES, EC_CURVES, KEY_ORDERS, OPERATIONS, RSA_KEY_SIZES } from '../choices.ts';
import { card, checkbox, field, h, onSubmit, page, select, showFailure, table, time } from '../dom.ts';
import type { Template } from '../types.ts';

const SETTINGS: [keyof Template, string][] = [
  ['operation', 'Operation'],
  ['authMode', 'Authentication mode'],
  ['keyOrder', 'Key order'],
  ['rsaKeySize', 'RSA key size'],
  ['curve', 'EC curve'],
  ['deadlineDays', 'Deadline (days after creation)'],
];

export function templatesPage(params: URLSearchParams): void {
  const listing = h('section', { 'aria-labelledby': 'templates-list', 'aria-live': 'polite' }, h('h2', { id: 'templates-list' }, 'Templates'), h('p', {}, 'Loading…'));
  const shown = h('section', { id: 'template-details', 'aria-live': 'polite' });
  page('Device templates', listing, shown, createForm(() => void load(listing, shown)));
  void load(listing, shown, params.get('show') ?? undefined);
}

async function load(listing: HTMLElement, shown: HTMLElement, show?: string): Promise<void> {
  const heading = listing.firstChild!;
  try {
    const { templates, defaultTemplate } = await get<{ templates: Template[]; defaultTemplate?: string }>('/templates');
    const rows = templates.map((template) => {
      const details = h('button', { type: 'button', 'aria-label': `Show ${template.name}` }, template.name);
      details.addEventListener('click', () => void showTemplate(shown, template.name));
      const isDefault = template.name === defaultTemplate;
      const makeDefault = h('button', { type: 'button', 'aria-label': isDefault ? `Stop using ${template.name} as the default` : `Make ${template.name} the default` }, isDefault ? 'Clear default' : 'Make default');
      makeDefault.addEventListener('click', () =>
        send('PUT', '/template-default', { name: isDefault ? null : template.name }).then(
          () => void load(listing, shown),
          (error: unknown) => showFailure(error, makeDefault),
        ),
      );
      const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${template.name}` }, 'Delete');
      remove.addEventListener('click', () => {
        if (!window.confirm(`Delete template ${template.name}? Devices created through it keep their settings.`)) return;
        send('DELETE', `/templates/${segment(template.name)}`).then(
          () => {
            shown.replaceChildren();
            void load(listing, shown);
          },
          (error: unknown) => showFailure(error, remove),
        );
      });
      return [details, isDefault ? h('strong', {}, 'default') : '–', template.description ?? '–', summary(template), time(template.createdAt), h('span', { class: 'actions' }, makeDefault, ' ', remove)];
    });
    listing.replaceChildren(
      heading,
      rows.length ? table(['Name', 'Default', 'Description', 'Settings', 'Created', ''], rows, defaultTemplate ? `Default: ${defaultTemplate}` : 'No default template') : h('p', {}, 'No template yet.'),
    );
    if (show) await showTemplate(shown, show);
  } catch (error) {
    listing.replaceChildren(heading, h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}

function summary(template: Template): string {
  const parts = SETTINGS.filter(([key]) => template[key] !== undefined).map(([key, label]) => `${label}: ${String(template[key])}`);
  return parts.length ? parts.join('; ') : 'none (the service defaults)';
}

async function showTemplate(shown: HTMLElement, name: string): Promise<void> {
  try {
    const template = await get<Template & { isDefault: boolean }>(`/templates/${segment(name)}`);
    const facts = h('dl', { class: 'facts' });
    const rows: [string, Node | string][] = [
      ['Description', template.description ?? '–'],
      ...SETTINGS.map(([key, label]): [string, string] => [label, template[key] === undefined ? 'not set' : String(template[key])]),
      ['Default', template.isDefault ? 'yes' : 'no'],
      ['Created', time(template.createdAt)],
    ];
    for (const [term, value] of rows) facts.append(h('dt', {}, term), h('dd', {}, value));
    shown.replaceChildren(h('h2', { id: 'template-name', tabindex: '-1' }, `Template ${template.name}`), facts);
    shown.querySelector('h2')?.focus();
  } catch (error) {
    shown.replaceChildren(h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}

function createForm(reload: () => void): HTMLElement {
  const name = h('input', { name: 'name', required: true, maxlength: 64, pattern: '[A-Za-z0-9_.\\-]{1,64}', autocomplete: 'off', spellcheck: 'false' });
  const description = h('input', { name: 'description', maxlength: 200 });
  const unset: [string, string] = ['', 'not set'];
  const operation = select('operation', [unset, ...OPERATIONS], '');
  const authMode = select('authMode', [unset, ...AUTH_MODES], '');
  const keyOrder = select('keyOrder', [unset, ...KEY_ORDERS], '');
  const rsaKeySize = select('rsaKeySize', [unset, ...RSA_KEY_SIZES], '');
  const curve = select('curve', [unset, ...EC_CURVES], '');
  const deadlineDays = h('input', { name: 'deadlineDays', type: 'number', min: DEADLINE_DAYS.min, max: DEADLINE_DAYS.max, step: 1 });
  const makeDefault = checkbox('template-default', 'Make it the default template', { name: 'default' });
  const submit = h('button', { type: 'submit' }, 'Create template');
  const form = card('add-template', 'Create a template',
    h('p', { class: 'hint' }, 'What is not set comes from the device itself, else the service defaults.'),
    h('div', { class: 'columns' },
      field('Name', name, '1-64 of A-Z a-z 0-9 _ . -'),
      field('Description (optional)', description),
      field('Operation', operation),
      field('Authentication mode', authMode),
      field('Key order', keyOrder),
      field('RSA key size', rsaKeySize),
      field('EC curve', curve),
      field('Deadline (days after creation)', deadlineDays, `${DEADLINE_DAYS.min} to ${DEADLINE_DAYS.max}, with an operation`),
    ),
    makeDefault.row,
    submit,
  );
  onSubmit(form, submit, () => {
    const body: Record<string, unknown> = { name: name.value.trim() };
    if (description.value.trim()) body.description = description.value.trim();
    for (const control of [operation, authMode, keyOrder, curve]) if (control.value) body[control.name] = control.value;
    if (rsaKeySize.value) body.rsaKeySize = Number(rsaKeySize.value);
    if (deadlineDays.value) body.deadlineDays = Number(deadlineDays.value);
    if (makeDefault.input.checked) body.default = true;
    return send('POST', '/templates', body).then(() => {
      form.reset();
      reload();
    });
  });
  return form;
}
