// What of a device leaves the service: the API view (no authentication string, only whether one is set) and the
// before/after of an audit event (the changed fields, the string as "(set)", "(changed)" or "(cleared)").
import type { Device } from '../model.ts';

export type DeviceView = Omit<Device, 'authString'> & { authStringSet: boolean };

export function deviceView(device: Device): DeviceView {
  const { authString, ...rest } = device;
  return { ...rest, authStringSet: authString !== undefined };
}

/** Fields an audit event compares; the certificates are summarised by serial, never copied whole. */
const AUDITED_FIELDS = ['operation', 'operationId', 'completesBy', 'authMode', 'keyOrder', 'rsaKeySize', 'curve', 'status', 'statusReason', 'version'] as const;

function auditedFields(device: Device): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of AUDITED_FIELDS) if (device[field] !== undefined) out[field] = device[field];
  if (device.lsc) out.lscSerial = device.lsc.serialHex;
  return out;
}

/** The fields that differ between `before` and `after` (either may be absent: created, deleted), secrets redacted. */
export function auditDiff(before: Device | undefined, after: Device | undefined): { before?: Record<string, unknown>; after?: Record<string, unknown> } {
  const a = before ? auditedFields(before) : {};
  const b = after ? auditedFields(after) : {};
  const was: Record<string, unknown> = {};
  const now: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    if (key in a) was[key] = a[key];
    if (key in b) now[key] = b[key];
  }
  const oldString = before?.authString;
  const newString = after?.authString;
  if (oldString !== newString) {
    if (oldString !== undefined) was.authString = '(set)';
    now.authString = newString === undefined ? '(cleared)' : oldString === undefined ? '(set)' : '(changed)';
  }
  return { ...(before ? { before: was } : {}), ...(after ? { after: now } : {}) };
}
