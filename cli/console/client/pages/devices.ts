// Devices: search by name prefix, filters (status, operation, authentication mode), pages of 50 over any number of
// devices (the API's cursor; every filter is the API's), and a form to add one (through a template, optionally).
import { get, send } from '../api.ts';
import { AUTH_MODES, OPERATIONS, STATUSES } from '../choices.ts';
import { append, armingFields, card, onSubmit, field, h, link, page, select, table, time } from '../dom.ts';
import type { Device, Template } from '../types.ts';

const PAGE = 50;
/** API pages read at most for one screen when the operation or authentication mode filter leaves few devices. */
const MAX_SCANNED_PAGES = 20;

interface Filters {
  prefix: string;
  status: string;
  operation: string;
  authMode: string;
}

export function devicesPage(params: URLSearchParams): void {
  const filters: Filters = { prefix: params.get('prefix') ?? '', status: params.get('status') ?? '', operation: params.get('operation') ?? '', authMode: params.get('authMode') ?? '' };
  const prefix = h('input', { name: 'prefix', type: 'search', value: filters.prefix, maxlength: 64, pattern: '[A-Za-z0-9_.\\-]*', autocomplete: 'off', spellcheck: 'false' });
  const status = select('status', [['', 'any'], ...STATUSES], filters.status);
  const operation = select('operation', [['', 'any'], ...OPERATIONS], filters.operation);
  const authMode = select('authMode', [['', 'any'], ...AUTH_MODES], filters.authMode);
  const search = h(
    'form',
    { role: 'search', class: 'filters', 'aria-label': 'Find devices' },
    field('Name starts with', prefix),
    field('Status', status),
    field('Operation', operation),
    field('Authentication mode', authMode),
    h('button', { type: 'submit' }, 'Search'),
  );
  const results = h('section', { 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', {}, 'Loading…'));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries({ prefix: prefix.value.trim(), status: status.value, operation: operation.value, authMode: authMode.value })) if (value) next.set(key, value);
    location.hash = `#/devices?${next.toString()}`;
  });
  page('Devices', search, results, createForm());
  const cursors: (string | undefined)[] = [undefined];
  void show(results, filters, cursors, 0);
}

async function show(results: HTMLElement, filters: Filters, cursors: (string | undefined)[], index: number): Promise<void> {
  results.setAttribute('aria-busy', 'true');
  try {
    const { devices, nextCursor } = await fetchPage(filters, cursors[index]);
    cursors[index + 1] = nextCursor;
    const previous = h('button', { type: 'button', disabled: index === 0 }, '← Previous');
    const next = h('button', { type: 'button', disabled: nextCursor === undefined }, 'Next →');
    previous.addEventListener('click', () => void show(results, filters, cursors, index - 1));
    next.addEventListener('click', () => void show(results, filters, cursors, index + 1));
    const rows = devices.map((device) => [
      link(`#/device/${encodeURIComponent(device.name)}`, device.name),
      h('span', { class: `status status-${device.status}` }, device.status),
      device.operation,
      device.authMode,
      time(device.completesBy),
      time(device.statusAt),
      device.lsc ? time(device.lsc.notAfter) : '–',
    ]);
    results.replaceChildren(
      devices.length === 0 ? h('p', {}, 'No device matches.') : table(['Name', 'Status', 'Operation', 'Auth mode', 'Deadline', 'Status since', 'LSC expires'], rows, `Devices, page ${index + 1}`),
      h('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, h('span', {}, `Page ${index + 1}`), next),
    );
    // What `capf bench --only console` reads: the first page of devices is on the screen.
    if (!performance.getEntriesByName('capf:devices-rendered').length) performance.mark('capf:devices-rendered');
  } catch (error) {
    results.replaceChildren(h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  } finally {
    results.setAttribute('aria-busy', 'false');
  }
}

/**
 * One screen: a page of the API. With the operation or authentication mode filter (the API reads `limit` devices and
 * returns those that match), pages asking for the devices still wanted until PAGE match (or MAX_SCANNED_PAGES), so the
 * screen ends at the last device read and the next one starts right after it.
 */
async function fetchPage(filters: Filters, cursor: string | undefined): Promise<{ devices: Device[]; nextCursor?: string }> {
  const query = { prefix: filters.prefix, status: filters.status, operation: filters.operation, authMode: filters.authMode };
  const devices: Device[] = [];
  let next = cursor;
  for (let scanned = 0; scanned < MAX_SCANNED_PAGES && devices.length < PAGE; scanned++) {
    const answer = await get<{ devices: Device[]; nextCursor?: string }>('/devices', { ...query, limit: PAGE - devices.length, cursor: next });
    devices.push(...answer.devices);
    next = answer.nextCursor;
    if (next === undefined || (!filters.operation && !filters.authMode)) break;
  }
  return { devices, ...(next !== undefined ? { nextCursor: next } : {}) };
}

function createForm(): HTMLElement {
  const name = h('input', { name: 'name', required: true, maxlength: 64, placeholder: 'SEP001122334455', autocomplete: 'off', spellcheck: 'false' });
  const fromTemplate: [string, string] = ['', "the template's"];
  const template = select('template', [['', 'the default template, if one is set']]);
  const operation = select('operation', [fromTemplate, ...OPERATIONS], 'install');
  const authMode = select('authMode', [fromTemplate, ...AUTH_MODES], 'null-string');
  const arming = armingFields('create');
  const submit = h('button', { type: 'submit' }, 'Add device');
  const shown = h('div', { 'aria-live': 'polite' });
  // The templates fill the choice when they arrive; a stack without templates keeps the default choice only.
  void get<{ templates: Template[] }>('/templates').then(
    ({ templates }) => append(template, ...templates.map((t) => h('option', { value: t.name }, t.description ? `${t.name} (${t.description})` : t.name))),
    () => undefined,
  );
  const form = card('add-device', 'Add a device',
    field('Name', name),
    field('Template', template, 'settings left to the template come from it'),
    field('Operation', operation),
    field('Authentication mode', authMode),
    ...arming.rows,
    submit,
    shown,
  );
  onSubmit(form, submit, () => {
    const chosen = Object.fromEntries([template, operation, authMode].filter((control) => control.value).map((control) => [control.name, control.value]));
    return send<Device>('POST', '/devices', { name: name.value.trim(), ...chosen, ...arming.body() }).then((device) => {
      const href = `#/device/${encodeURIComponent(device.name)}`;
      if (!device.authString) return void (location.hash = href);
      // The string is shown here, once: the device page will not have it.
      shown.replaceChildren(h('p', { class: 'secret' }, `${device.name} added. Authentication string (not shown again): `, h('output', {}, device.authString)), link(href, `Open ${device.name}`));
    });
  });
  return form;
}
