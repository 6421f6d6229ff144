// Small DOM helpers: elements from tag names and children (text is always text, never HTML), dates in the browser's
// time zone with the UTC value on hover, and API errors placed beside the control they concern.
import { ApiFailure } from './api.ts';

type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the main area's content, sets the title and moves focus to the heading (for screen readers). */
export function page(title: string, ...children: Child[]): HTMLElement {
  const main = document.getElementById('main')!;
  main.replaceChildren();
  const heading = h('h1', { tabindex: '-1' }, title);
  append(main, heading, ...children);
  document.title = `${title} · capf console`;
  heading.focus({ preventScroll: true });
  return main;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A date in the browser's time zone; the UTC value on hover and in the datetime attribute. */
export function time(iso: string | undefined): HTMLElement | string {
  if (!iso) return '–';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return h('time', { datetime: at.toISOString(), title: `UTC: ${at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')}` }, dateFormat.format(at));
}

/** A <input type=datetime-local> value (browser time) as ISO 8601 UTC, or undefined when empty. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

let errorIds = 0;
let fieldIds = 0;

/** Shows `message` right after `control`, linked to it for assistive technology; clearErrors removes them. */
export function showError(control: HTMLElement, message: string): void {
  clearError(control);
  const id = `error-${++errorIds}`;
  const note = h('p', { class: 'error', id, role: 'alert' }, message);
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-describedby', id);
  control.insertAdjacentElement('afterend', note);
}

export function clearError(control: HTMLElement): void {
  const id = control.getAttribute('aria-describedby');
  if (id?.startsWith('error-')) document.getElementById(id)?.remove();
  control.removeAttribute('aria-invalid');
  control.removeAttribute('aria-describedby');
}

export function clearErrors(form: HTMLElement): void {
  for (const control of form.querySelectorAll<HTMLElement>('[aria-invalid]')) clearError(control);
}

/**
 * An API failure beside the control it names (the field of `form` whose name comes first in the message: the API
 * starts with the field it refuses), else `fallback`.
 */
export function showFailure(error: unknown, fallback: HTMLElement, form?: HTMLFormElement): void {
  const message = error instanceof ApiFailure ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  let named: { control: HTMLElement; at: number } | undefined;
  if (form && error instanceof ApiFailure) {
    for (const control of form.querySelectorAll<HTMLInputElement>('[name]')) {
      const at = control.name ? error.message.search(new RegExp(`\\b${control.name}\\b`)) : -1;
      if (at >= 0 && (!named || at < named.at)) named = { control, at };
    }
  }
  showError(named?.control ?? fallback, message);
}

/** A labelled control: <label for> + the control, in a .field wrapper. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${control.getAttribute('name') ?? 'field'}-${++fieldIds}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('span', { class: 'hint' }, hint) : undefined);
}

export function select(name: string, options: readonly (string | [string, string])[], value?: string): HTMLSelectElement {
  const element = h('select', { name });
  for (const option of options) {
    const [key, text] = typeof option === 'string' ? [option, option] : option;
    append(element, h('option', { value: key, selected: key === value }, text));
  }
  return element;
}

export function table(headings: string[], rows: Child[][], caption?: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      caption ? h('caption', {}, caption) : undefined,
      h('thead', {}, h('tr', {}, ...headings.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((cell) => h('td', {}, cell))))),
    ),
  );
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h('a', { href }, text);
}

/** A form in a card, named by its heading (so it is a landmark: getByRole('form', { name })). */
export function card(id: string, title: string, ...children: Child[]): HTMLFormElement {
  return h('form', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** A checkbox with its label after it. */
export function checkbox(id: string, label: string, attributes: Attributes = {}): { input: HTMLInputElement; row: HTMLElement } {
  const input = h('input', { type: 'checkbox', id, ...attributes });
  return { input, row: h('div', { class: 'field check' }, input, h('label', { for: id }, label)) };
}

/** The deadline (your time) and the generate-a-string choice of an operation being armed, and what they add to a request. */
export function armingFields(idPrefix: string): { rows: HTMLElement[]; body(): Record<string, unknown> } {
  const deadline = h('input', { name: 'completesBy', type: 'datetime-local' });
  const generate = checkbox(`${idPrefix}-generate`, 'Generate an authentication string (shown once)', { name: 'generateAuthString' });
  return {
    rows: [field('Deadline (your time)', deadline, 'empty: no deadline'), generate.row],
    body() {
      const completesBy = localToIso(deadline.value);
      return { ...(completesBy ? { completesBy } : {}), ...(generate.input.checked ? { generateAuthString: true } : {}) };
    },
  };
}

/** Runs `work` on submit with the form's earlier errors cleared; its failure is shown beside the field it names, else the button. */
export function onSubmit(form: HTMLFormElement, submit: HTMLElement, work: () => Promise<unknown>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    work().catch((error: unknown) => showFailure(error, submit, form));
  });
}

/** Saves `text` as a file the browser downloads (a blob: URL, revoked once the download has started). */
export function download(filename: string, text: string, type: string): void {
  const href = URL.createObjectURL(new Blob([text], { type }));
  const anchor = h('a', { href, download: filename });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(href), 1000);
}
