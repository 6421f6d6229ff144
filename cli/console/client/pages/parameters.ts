// The service parameters: one control per parameter with its range shown and checked here (the same bounds the API
// checks: bounds.ts, kept equal to shared/domain/parameters.ts; a value out of range is named beside its control, like
// the API's refusals); only changed values are sent, and the API's refusal appears beside the parameter it names.
import { MAX_EXPIRY_RECIPIENTS, PARAMETER_BOUNDS as B } from '../bounds.ts';
import { get, send } from '../api.ts';
import { checkbox, clearErrors, field, h, page, showError, showFailure, time } from '../dom.ts';

type Parameters = Record<string, number | boolean | string[] | string>;

const NUMBERS: [string, string, { min: number; max: number }, number?][] = [
  ['lscValidityDays', 'LSC validity (days)', B.lscValidityDays],
  ['maxCertificatesPerOperation', 'Certificates per operation', B.maxCertificatesPerOperation],
  ['authFailureLimit', 'Wrong strings before the lock', B.authFailureLimit],
  ['authLockMaxMinutes', 'Longest lock (minutes)', B.authLockMaxMinutes],
  ['addressFailureLimit', 'Failures per minute from one address', B.addressFailureLimit],
  ['phoneNetworkFailureLimit', 'Failures per minute from a phone network address', B.phoneNetworkFailureLimit],
  ['addressCooldownSeconds', 'Address cool-down (seconds)', B.addressCooldownSeconds],
  ['certificateClockSkewSeconds', 'Clock skew tolerated (seconds)', B.certificateClockSkewSeconds],
  ['expiryLeadDays', 'Expiry notice lead time (days)', B.expiryLeadDays],
  ['keepAliveMinutes', 'TCP keepalive (minutes)', B.keepAliveMinutes],
  ['reenrolmentFraction', 'Re-enrol after this share of the lifetime', B.reenrolmentFraction, 0.01],
];
const SWITCHES: [string, string][] = [
  ['ipv6Enabled', 'IPv6 enabled'],
  ['requireCertificateNameMatch', 'Certificate name must match the device'],
  ['acceptExpiredMic', 'Accept an expired MIC'],
  ['reenrolmentEnabled', 'Re-enrol before expiry'],
];

export async function parametersPage(): Promise<void> {
  const main = page('Service parameters', h('p', {}, 'Loading…'));
  let current: Parameters;
  try {
    current = await get<Parameters>('/parameters');
  } catch (error) {
    main.replaceChildren(h('h1', {}, 'Service parameters'), h('p', { class: 'error', role: 'alert' }, (error as Error).message));
    return;
  }
  const inputs = new Map<string, HTMLInputElement>();
  const controls: HTMLElement[] = [];
  for (const [name, label, bounds, step] of NUMBERS) {
    const input = h('input', { name, type: 'number', min: bounds.min, max: bounds.max, step: step ?? 1, required: true, value: String(current[name] ?? '') });
    inputs.set(name, input);
    controls.push(field(label, input, `${bounds.min} to ${bounds.max}`));
  }
  for (const [name, label] of SWITCHES) {
    const { input, row } = checkbox(`p-${name}`, label, { name, checked: current[name] === true });
    inputs.set(name, input);
    controls.push(row);
  }
  const recipients = h('input', { name: 'expiryRecipients', type: 'text', value: Array.isArray(current.expiryRecipients) ? current.expiryRecipients.join(', ') : '' });
  inputs.set('expiryRecipients', recipients);
  controls.push(field('Expiry notice recipients', recipients, `comma-separated email addresses, at most ${MAX_EXPIRY_RECIPIENTS}`));
  const submit = h('button', { type: 'submit' }, 'Save parameters');
  const done = h('p', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card params', novalidate: true }, ...controls, submit, done);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    done.textContent = '';
    // Range and presence only: a stored value off the step (a fraction such as 2/3) stays acceptable, as for the API.
    const outOfRange = NUMBERS.filter(([name]) => {
      const { rangeUnderflow, rangeOverflow, valueMissing, badInput } = inputs.get(name)!.validity;
      return rangeUnderflow || rangeOverflow || valueMissing || badInput;
    });
    for (const [name, , bounds] of outOfRange) showError(inputs.get(name)!, `${name} must be from ${bounds.min} to ${bounds.max} (got ${inputs.get(name)!.value || 'nothing'})`);
    if (outOfRange.length > 0) return inputs.get(outOfRange[0]![0])!.focus();
    const change: Parameters = {};
    for (const [name, input] of inputs) {
      let value: Parameters[string];
      if (input.type === 'checkbox') value = input.checked;
      else if (input.type === 'number') value = Number(input.value);
      else value = input.value.split(',').map((part) => part.trim()).filter(Boolean);
      if (JSON.stringify(value) !== JSON.stringify(current[name])) change[name] = value;
    }
    if (Object.keys(change).length === 0) {
      done.textContent = 'Nothing changed.';
      return;
    }
    send<Parameters>('PATCH', '/parameters', change)
      .then((saved) => {
        current = saved;
        done.textContent = `Saved: ${Object.keys(change).join(', ')}.`;
      })
      .catch((error: unknown) => showFailure(error, submit, form));
  });
  page('Service parameters', h('p', {}, 'Last changed: ', typeof current.updatedAt === 'string' ? time(current.updatedAt) : 'never'), form);
}
