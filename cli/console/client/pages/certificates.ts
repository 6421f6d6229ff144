// Certificates in service by expiry: a bar per band of days to expiry (≤1, ≤7, ≤30, ≤90, later; expired apart), a
// bar per month for the next twelve months, and the list behind whichever bar is chosen (each bar is a button).
import { get } from '../api.ts';
import { h, page } from '../dom.ts';
import type { Certificate } from '../types.ts';
import { certificateTable } from './device.ts';

interface Summary {
  at: string;
  total: number;
  buckets: Record<'expired' | 'le1' | 'le7' | 'le30' | 'le90' | 'later', number>;
  months: { month: string; count: number }[];
}

const DAY = 86_400_000;
const BANDS: { key: keyof Summary['buckets']; label: string; from: number; to: number }[] = [
  { key: 'expired', label: 'expired', from: -Infinity, to: 0 },
  { key: 'le1', label: '≤ 1 day', from: 0, to: 1 },
  { key: 'le7', label: '≤ 7 days', from: 1, to: 7 },
  { key: 'le30', label: '≤ 30 days', from: 7, to: 30 },
  { key: 'le90', label: '≤ 90 days', from: 30, to: 90 },
  { key: 'later', label: 'later', from: 90, to: Infinity },
];

export async function certificatesPage(): Promise<void> {
  const main = page('Certificates', h('p', {}, 'Loading…'));
  let summary: Summary;
  try {
    summary = await get<Summary>('/certificates/expiry');
  } catch (error) {
    main.replaceChildren(h('h1', {}, 'Certificates'), h('p', { class: 'error', role: 'alert' }, (error as Error).message));
    return;
  }
  const now = Date.parse(summary.at);
  const list = h('section', { 'aria-live': 'polite', id: 'expiry-list' });
  const iso = (days: number) => (Number.isFinite(days) ? new Date(now + days * DAY).toISOString() : undefined);
  const bands = chart(
    'Certificates in service by days to expiry',
    BANDS.map((band) => ({ label: band.label, count: summary.buckets[band.key], show: () => showList(list, band.label, iso(band.from), iso(band.to)) })),
    'bands',
  );
  const months = chart(
    'Expiring by month, next 12 months (UTC months)',
    summary.months.map(({ month, count }) => {
      const start = new Date(`${month}-01T00:00:00.000Z`);
      const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1) - 1);
      const from = Math.max(start.getTime(), now);
      return { label: month, count, show: () => showList(list, month, new Date(from).toISOString(), end.toISOString()) };
    }),
    'months',
  );
  page('Certificates', h('p', {}, `${summary.total} certificates in service (issued or installed).`), bands, months, list);
}

function chart(title: string, bars: { label: string; count: number; show: () => void }[], id: string): HTMLElement {
  const max = Math.max(1, ...bars.map((bar) => bar.count));
  const figure = h('figure', { class: `chart chart-${id}`, 'aria-labelledby': `${id}-title` }, h('figcaption', { id: `${id}-title` }, title));
  const row = h('div', { class: 'bars' });
  for (const bar of bars) {
    const fill = h('span', { class: 'fill' });
    fill.style.height = `${Math.round((bar.count / max) * 100)}%`;
    const button = h('button', { type: 'button', class: 'bar', 'data-label': bar.label, 'aria-label': `${bar.label}: ${bar.count} certificates; show them` }, h('span', { class: 'track' }, fill), h('span', { class: 'count' }, String(bar.count)), h('span', { class: 'label' }, bar.label));
    button.addEventListener('click', bar.show);
    row.append(button);
  }
  figure.append(row);
  return figure;
}

function showList(list: HTMLElement, label: string, from: string | undefined, to: string | undefined): void {
  list.replaceChildren(h('h2', {}, `Expiring: ${label}`), h('p', {}, 'Loading…'));
  get<{ certificates: Certificate[]; truncated: boolean }>('/certificates', { from, to, limit: 500 }).then(
    ({ certificates, truncated }) => list.replaceChildren(list.firstChild!, certificateTable(certificates, true), ...(truncated ? [h('p', {}, 'The first 500 are shown.')] : [])),
    (error: unknown) => list.replaceChildren(list.firstChild!, h('p', { class: 'error', role: 'alert' }, (error as Error).message)),
  );
}
