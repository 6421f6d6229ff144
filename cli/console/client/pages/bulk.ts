// Bulk jobs (docs/bulk.md): a form that selects devices (a list of names, or query fields) and the operation to arm
// on them, previewed by a dry run (the count and a sample) before the job can be started; the jobs with their progress;
// one job's progress bar (refreshed while it runs), its failures with reasons, cancelling it, and the strings it
// generated, shown once.
import { get, segment, send } from '../api.ts';
import { OPERATIONS, STATUSES } from '../choices.ts';
import { card, checkbox, download, field, h, link, localToIso, onSubmit, page, select, showFailure, table, time } from '../dom.ts';
import type { BulkJob } from '../types.ts';

type Job = BulkJob & { remaining?: number; sharedAuthString?: true };

/** How often a page showing an unfinished job reads it again. */
const REFRESH_MS = 1000;

function active(job: Job): boolean {
  return job.state === 'scheduled' || job.state === 'running';
}

/** Reads again after REFRESH_MS while `hash` is still the page shown. */
function refreshLater(hash: string, again: () => void): void {
  setTimeout(() => {
    if (location.hash === hash) again();
  }, REFRESH_MS);
}

function progress(job: Job): HTMLElement {
  const total = job.total ?? 0;
  const handled = job.done + job.failed;
  const label = job.total === undefined ? 'targets not fixed yet' : `${handled} of ${total} (${job.done} done, ${job.failed} failed)`;
  return h('span', { class: 'progress' }, h('progress', { max: Math.max(total, 1), value: job.total === undefined ? 0 : handled, 'aria-label': `Job ${job.id} progress` }), ' ', label);
}

export function bulkPage(): void {
  const jobs = h('section', { 'aria-labelledby': 'jobs-heading', 'aria-live': 'polite' }, h('h2', { id: 'jobs-heading' }, 'Jobs'), h('p', {}, 'Loading…'));
  page('Bulk jobs', createForm(), jobs);
  void listJobs(jobs, location.hash);
}

async function listJobs(section: HTMLElement, hash: string): Promise<void> {
  const heading = section.firstChild!;
  try {
    const { jobs } = await get<{ jobs: Job[] }>('/bulk-jobs');
    const rows = jobs.map((job) => [link(`#/bulk/${segment(job.id)}`, job.id), job.state, job.operation, progress(job), time(job.runAt), job.createdBy]);
    section.replaceChildren(heading, rows.length ? table(['Job', 'State', 'Operation', 'Progress', 'Runs at', 'By'], rows) : h('p', {}, 'No bulk job yet.'));
    if (jobs.some(active)) refreshLater(hash, () => void listJobs(section, hash));
  } catch (error) {
    section.replaceChildren(heading, h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}

function createForm(): HTMLElement {
  const operation = select('operation', OPERATIONS, 'install');
  const names = h('textarea', { name: 'names', rows: 3, spellcheck: 'false', placeholder: 'SEP001122334455\nSEP001122334466' });
  const prefix = h('input', { name: 'prefix', maxlength: 64, autocomplete: 'off', spellcheck: 'false' });
  const pattern = h('input', { name: 'pattern', maxlength: 64, autocomplete: 'off', spellcheck: 'false', placeholder: 'SEP0011*' });
  const status = select('status', [['', 'any'], ...STATUSES], '');
  const current = select('currentOperation', [['', 'any'], ...OPERATIONS], '');
  const expiresBefore = h('input', { name: 'lscExpiresBefore', type: 'datetime-local' });
  const noLsc = checkbox('bulk-no-lsc', 'Only devices without an LSC', { name: 'noLsc' });
  const strings = select('strings', [['', 'no new string'], ['generate', 'a unique generated string per device (shown once)'], ['shared', 'one shared string']], '');
  const shared = h('input', { name: 'authString', type: 'password', autocomplete: 'off', minlength: 4, maxlength: 64 });
  const deadline = h('input', { name: 'completesBy', type: 'datetime-local' });
  const runAt = h('input', { name: 'runAt', type: 'datetime-local' });
  const preview = h('button', { type: 'submit', value: 'preview' }, 'Preview (dry run)');
  const start = h('button', { type: 'submit', value: 'start', disabled: true }, 'Start job');
  const shown = h('div', { id: 'bulk-preview', 'aria-live': 'polite' });
  const form = card('new-job', 'New bulk job',
    field('Operation to arm', operation),
    h('div', { class: 'columns' },
      field('Device names (one a line)', names, 'or the query fields beside; not both'),
      h('div', {}, field('Name starts with', prefix), field('Name pattern', pattern, '* any run, ? one character')),
      h('div', {}, field('Status', status), field('Operation now set', current)),
      h('div', {}, field('LSC expires before (your time)', expiresBefore), noLsc.row),
    ),
    h('div', { class: 'columns' }, field('Authentication strings', strings), field('Shared string', shared, 'with "one shared string"'), field('Deadline (your time)', deadline, 'empty: none'), field('Run at (your time)', runAt, 'empty: now')),
    h('p', {}, preview, ' ', start),
    shown,
  );
  // Start is offered only for the selection just previewed: any change asks for a new preview.
  form.addEventListener('input', () => (start.disabled = true));
  let action = 'preview';
  for (const button of [preview, start]) button.addEventListener('click', () => (action = button.value));
  const body = (dryRun: boolean): Record<string, unknown> => {
    const selection: Record<string, unknown> = {};
    const listed = names.value.split(/[\s,]+/).map((name) => name.trim()).filter(Boolean);
    if (listed.length) selection.names = listed;
    if (prefix.value.trim()) selection.prefix = prefix.value.trim();
    if (pattern.value.trim()) selection.pattern = pattern.value.trim();
    if (status.value) selection.status = status.value;
    if (current.value) selection.operation = current.value;
    const before = localToIso(expiresBefore.value);
    if (before) selection.lscExpiresBefore = before;
    if (noLsc.input.checked) selection.noLsc = true;
    const completesBy = localToIso(deadline.value);
    const when = localToIso(runAt.value);
    return {
      operation: operation.value,
      selection,
      ...(strings.value === 'generate' ? { generateStrings: true } : {}),
      ...(strings.value === 'shared' ? { authString: shared.value } : {}),
      ...(completesBy ? { completesBy } : {}),
      ...(when ? { runAt: when } : {}),
      ...(dryRun ? { dryRun: true } : {}),
    };
  };
  onSubmit(form, preview, async () => {
    if (action === 'start') {
      const created = await send<{ job: Job; count: number }>('POST', '/bulk-jobs', body(false));
      location.hash = `#/bulk/${segment(created.job.id)}`;
      return;
    }
    start.disabled = true;
    const { count, sample } = await send<{ count: number; sample: string[] }>('POST', '/bulk-jobs', body(true));
    shown.replaceChildren(
      h('p', { id: 'bulk-count' }, `${count} devices selected now`, count ? `; for example: ${sample.join(', ')}${count > sample.length ? ', …' : ''}` : '.'),
      h('p', { class: 'hint' }, 'A job fixes its devices when it first runs.'),
    );
    start.disabled = count === 0;
  });
  return form;
}

type Shown = { job: Job; failures: { name: string; reason: string }[] };

/** One job: rendered once, then its facts and failures read again while it runs (the buttons keep their focus). */
export async function bulkJobPage(id: string): Promise<void> {
  const hash = location.hash;
  let shown: Shown;
  try {
    shown = await get<Shown>(`/bulk-jobs/${segment(id)}`);
  } catch (error) {
    page(`Bulk job ${id}`, link('#/bulk', '← Bulk jobs'), h('p', { class: 'error', role: 'alert' }, (error as Error).message));
    return;
  }
  if (location.hash !== hash) return;
  const facts = h('dl', { class: 'facts' });
  const actions = h('p', {});
  const out = h('div', { id: 'job-strings', 'aria-live': 'polite' });
  const failures = h('section', { 'aria-labelledby': 'failures-heading' });
  page(`Bulk job ${shown.job.id}`, link('#/bulk', '← Bulk jobs'), facts, actions, out, failures);
  let state = '';
  const update = ({ job, failures: failed }: Shown): void => {
    const rows: [string, Node | string][] = [
      ['State', h('span', { id: 'job-state' }, job.state)],
      ['Operation', job.operation],
      ['Selection', JSON.stringify(job.selection)],
      ['Progress', progress(job)],
      ['Strings', job.generateStrings ? `unique per device${job.stringsShownAt ? ' (shown already)' : job.stringsNext ? ' (partly shown already)' : ''}` : job.sharedAuthString ? 'one shared string' : 'none'],
      ['Deadline', time(job.completesBy)],
      ['Runs at', time(job.runAt)],
      ['Started', time(job.startedAt)],
      ['Finished', time(job.finishedAt)],
      ['Created by', job.createdBy],
    ];
    facts.replaceChildren(...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
    failures.replaceChildren(
      h('h2', { id: 'failures-heading' }, 'Failures'),
      failed.length ? table(['Device', 'Reason'], failed.map((f) => [link(`#/device/${segment(f.name)}`, f.name), f.reason]), `Failures (${job.failed})`) : h('p', {}, 'No failure.'),
    );
    if (job.state !== state) {
      state = job.state;
      actions.replaceChildren(...jobActions(job, out, () => void reload()));
    }
    if (active(job)) refreshLater(hash, () => void reload());
  };
  const reload = async (): Promise<void> => {
    try {
      update(await get<Shown>(`/bulk-jobs/${segment(id)}`));
    } catch (error) {
      failures.replaceChildren(h('p', { class: 'error', role: 'alert' }, (error as Error).message));
    }
  };
  update(shown);
}

type StringsPage = { strings: { name: string; authString: string }[]; next?: number };

/** Every page of a job's strings from page `from` on (each page can be read once; pages read elsewhere are gone). */
async function takeStrings(id: string, from: number): Promise<StringsPage['strings']> {
  const all: StringsPage['strings'] = [];
  for (let page: number | undefined = from; page !== undefined; ) {
    const taken: StringsPage = await send<StringsPage>('POST', `/bulk-jobs/${segment(id)}/strings?from=${page}`);
    all.push(...taken.strings);
    page = taken.next;
  }
  return all;
}

/** Cancel (while the job is scheduled or running); the generated strings once it has ended, once. */
function jobActions(job: Job, out: HTMLElement, reload: () => void): HTMLElement[] {
  const buttons: HTMLElement[] = [];
  if (active(job)) {
    const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel job');
    cancel.addEventListener('click', () => {
      if (!window.confirm(`Cancel bulk job ${job.id}? Devices it already armed stay armed.`)) return;
      send('POST', `/bulk-jobs/${segment(job.id)}/cancel`).then(reload, (error: unknown) => showFailure(error, cancel));
    });
    buttons.push(cancel);
  }
  if (job.generateStrings && !active(job) && !job.stringsShownAt) {
    const take = h('button', { type: 'button' }, job.stringsNext ? 'Show the strings left (once)' : 'Show the strings (once)');
    take.addEventListener('click', () => {
      takeStrings(job.id, job.stringsNext ?? 0).then((strings) => {
        take.remove();
        const csv = `device,authString\r\n${strings.map((s) => `${s.name},${s.authString}\r\n`).join('')}`;
        const save = h('button', { type: 'button' }, 'Save as CSV');
        save.addEventListener('click', () => download(`${job.id}-strings.csv`, csv, 'text/csv'));
        out.replaceChildren(h('p', { class: 'secret' }, `${strings.length} strings (not shown again): `, save), table(['Device', 'Authentication string'], strings.map((s) => [s.name, h('output', {}, s.authString)])));
      }, (error: unknown) => showFailure(error, take));
    });
    buttons.push(take);
  }
  return buttons;
}
