// One device: its CAPF settings (edit), its operation (arm with a deadline, optionally generating an authentication
// string that is shown once), its certificates with their states, and its audit trail (administrators' changes and
// phone sessions' outcomes).
import { get, segment, send } from '../api.ts';
import { AUTH_MODES, EC_CURVES, KEY_ORDERS, OPERATIONS, RSA_KEY_SIZES } from '../choices.ts';
import { armingFields, card, checkbox, clearErrors, onSubmit, field, h, link, page, select, showFailure, table, time } from '../dom.ts';
import type { AuditEvent, Certificate, Device } from '../types.ts';

export async function devicePage(name: string): Promise<void> {
  const main = page(name, h('p', {}, 'Loading…'));
  let device: Device;
  try {
    device = await get<Device>(`/devices/${segment(name)}`);
  } catch (error) {
    main.replaceChildren(h('h1', {}, name), h('p', { class: 'error', role: 'alert' }, (error as Error).message), link('#/devices', '← Devices'));
    return;
  }
  const certificates = h('section', { 'aria-labelledby': 'certs' }, h('h2', { id: 'certs' }, 'Certificates'), h('p', {}, 'Loading…'));
  const audit = h('section', { 'aria-labelledby': 'trail' }, h('h2', { id: 'trail' }, 'Sessions and audit events'), h('p', {}, 'Loading…'));
  page(name, link('#/devices', '← Devices'), summary(device), h('div', { class: 'columns' }, armForm(device), settingsForm(device)), certificates, audit, deleteForm(device));
  void get<{ certificates: Certificate[] }>(`/devices/${segment(name)}/certificates`).then(
    ({ certificates: list }) => certificates.replaceChildren(certificates.firstChild!, certificateTable(list)),
    (error: unknown) => certificates.replaceChildren(certificates.firstChild!, h('p', { class: 'error' }, (error as Error).message)),
  );
  void get<{ events: AuditEvent[] }>('/audit', { device: name, limit: 25 }).then(
    ({ events }) => audit.replaceChildren(audit.firstChild!, auditTable(events)),
    (error: unknown) => audit.replaceChildren(audit.firstChild!, h('p', { class: 'error' }, (error as Error).message)),
  );
}

function summary(device: Device): HTMLElement {
  const rows: [string, Node | string][] = [
    ['Status', h('span', { class: `status status-${device.status}`, id: 'device-status' }, device.status)],
    ['Status since', time(device.statusAt)],
    ['Reason', device.statusReason ?? '–'],
    ['Operation', `${device.operation} (id ${device.operationId})`],
    ['Deadline', time(device.completesBy)],
    ['Authentication', `${device.authMode}${device.authStringSet ? ', string set' : ''}`],
    ['Locked until', time(device.lockedUntil)],
    ['LSC', device.lsc ? `serial ${device.lsc.serialHex}, expires ` : 'none'],
  ];
  const list = h('dl', { class: 'facts' });
  for (const [term, value] of rows) list.append(h('dt', {}, term), h('dd', {}, value, term === 'LSC' && device.lsc ? time(device.lsc.notAfter) : undefined));
  return list;
}

function armForm(device: Device): HTMLElement {
  const operation = select('operation', OPERATIONS.filter((op) => op !== 'none'), device.operation === 'none' ? 'install' : device.operation);
  const arming = armingFields('arm');
  const submit = h('button', { type: 'submit' }, 'Arm');
  const shown = h('div', { 'aria-live': 'polite' });
  const form = card('arm', 'Arm an operation',
    field('Operation', operation),
    ...arming.rows,
    submit,
    shown,
  );
  onSubmit(form, submit, () =>
    send<Device>('POST', `/devices/${segment(device.name)}/operation`, { operation: operation.value, ...arming.body() }).then((armed) => {
        const status = document.getElementById('device-status');
        if (status) {
          status.textContent = armed.status;
          status.className = `status status-${armed.status}`;
        }
        shown.replaceChildren(
          h('p', { class: 'ok' }, `Armed: ${armed.operation}, operation id ${armed.operationId}.`),
          ...(armed.authString ? [h('p', { class: 'secret' }, 'Authentication string (enter it on the phone; it is not shown again): ', h('output', { id: 'auth-string' }, armed.authString))] : []),
        );
      }),
  );
  return form;
}

function settingsForm(device: Device): HTMLElement {
  const authMode = select('authMode', AUTH_MODES, device.authMode);
  const keyOrder = select('keyOrder', KEY_ORDERS, device.keyOrder);
  const rsaKeySize = select('rsaKeySize', RSA_KEY_SIZES, String(device.rsaKeySize));
  const curve = select('curve', EC_CURVES, device.curve);
  const submit = h('button', { type: 'submit' }, 'Save settings');
  const done = h('p', { 'aria-live': 'polite' });
  const form = card('settings', 'CAPF settings',
    field('Authentication mode', authMode),
    field('Key order', keyOrder),
    field('RSA key size', rsaKeySize),
    field('EC curve', curve),
    submit,
    done,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    done.textContent = '';
    send<Device>('PATCH', `/devices/${segment(device.name)}`, { authMode: authMode.value, keyOrder: keyOrder.value, rsaKeySize: Number(rsaKeySize.value), curve: curve.value })
      .then(() => (done.textContent = 'Saved.'))
      .catch((error: unknown) => showFailure(error, submit, form));
  });
  return form;
}

function deleteForm(device: Device): HTMLElement {
  const confirm = checkbox('confirm-delete', `Yes, delete ${device.name} (its certificates and audit trail stay)`, { required: true });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Delete device');
  const form = card('delete', 'Delete', confirm.row, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    send('DELETE', `/devices/${segment(device.name)}`)
      .then(() => (location.hash = '#/devices'))
      .catch((error: unknown) => showFailure(error, submit));
  });
  return form;
}

export function certificateTable(list: Certificate[], withDevice = false): HTMLElement {
  if (list.length === 0) return h('p', {}, 'No certificate.');
  return table(
    [...(withDevice ? ['Device'] : []), 'State', 'Serial', 'Expires', 'Issued', 'Issuer', 'Operation'],
    list.map((c) => [
      ...(withDevice && c.deviceName ? [link(`#/device/${encodeURIComponent(c.deviceName)}`, c.deviceName)] : []),
      h('span', { class: `state state-${c.state}` }, c.state),
      c.serialHex ?? '–',
      time(c.notAfter),
      time(c.notBefore ?? c.createdAt),
      c.issuer,
      c.operationId,
    ]),
  );
}

export function auditTable(events: AuditEvent[]): HTMLElement {
  if (events.length === 0) return h('p', {}, 'No event.');
  const change = (event: AuditEvent) =>
    [...new Set([...Object.keys(event.before ?? {}), ...Object.keys(event.after ?? {})])]
      .map((key) => `${key}: ${JSON.stringify(event.before?.[key] ?? '–')} → ${JSON.stringify(event.after?.[key] ?? '–')}`)
      .join('; ');
  return table(
    ['When', 'Who', 'What', 'Device or target', 'Result', 'Details'],
    events.map((e) => [time(e.at), e.actor, e.action, e.deviceName ? link(`#/device/${encodeURIComponent(e.deviceName)}`, e.deviceName) : (e.target ?? '–'), `${e.result}${e.code ? ` ${e.code}` : ''}`, [e.message, change(e), e.peer ? `from ${e.peer}` : ''].filter(Boolean).join(' | ') || '–']),
  );
}
