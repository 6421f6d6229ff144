// The audit log: filters by device, actor (exact) and time (from, until in the browser's time zone), newest first, in
// pages of the API (which applies every filter).
import { get } from '../api.ts';
import { field, h, localToIso, page } from '../dom.ts';
import type { AuditEvent } from '../types.ts';
import { auditTable } from './device.ts';

export function auditPage(params: URLSearchParams): void {
  const device = h('input', { name: 'device', value: params.get('device') ?? '', maxlength: 64, autocomplete: 'off', spellcheck: 'false' });
  const actor = h('input', { name: 'actor', value: params.get('actor') ?? '', maxlength: 512, autocomplete: 'off', spellcheck: 'false' });
  const since = h('input', { name: 'since', type: 'datetime-local', value: params.get('since') ?? '' });
  const until = h('input', { name: 'until', type: 'datetime-local', value: params.get('until') ?? '' });
  const form = h('form', { role: 'search', class: 'filters', 'aria-label': 'Filter the audit log' }, field('Device', device), field('Actor', actor, 'exact: local, phone, an IAM principal ARN'), field('From (your time)', since), field('Until (your time)', until), h('button', { type: 'submit' }, 'Filter'));
  const results = h('section', { 'aria-live': 'polite' }, h('p', {}, 'Loading…'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const input of [device, actor, since, until]) if (input.value.trim()) next.set(input.name, input.value.trim());
    location.hash = `#/audit?${next.toString()}`;
  });
  page('Audit log', form, results);
  const query = { device: device.value.trim().toUpperCase().startsWith('SEP') ? device.value.trim().toUpperCase() : device.value.trim(), actor: actor.value.trim(), since: localToIso(since.value), until: localToIso(until.value), limit: 100 };
  void show(results, query, [undefined], 0);
}

async function show(results: HTMLElement, query: Record<string, string | number | undefined>, cursors: (string | undefined)[], index: number): Promise<void> {
  try {
    const { events, nextCursor } = await get<{ events: AuditEvent[]; nextCursor?: string }>('/audit', { ...query, cursor: cursors[index] });
    cursors[index + 1] = nextCursor;
    const previous = h('button', { type: 'button', disabled: index === 0 }, '← Newer');
    const next = h('button', { type: 'button', disabled: nextCursor === undefined }, 'Older →');
    previous.addEventListener('click', () => void show(results, query, cursors, index - 1));
    next.addEventListener('click', () => void show(results, query, cursors, index + 1));
    results.replaceChildren(auditTable(events), h('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, h('span', {}, `Page ${index + 1}`), next));
  } catch (error) {
    results.replaceChildren(h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}
