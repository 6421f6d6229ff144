// Which devices a bulk job's query selects: the index to read (by status or by name prefix) and the filters applied
// to each device read (name pattern, operation, LSC expiry, LSC issuer, no LSC).
import type { Device } from '../model.ts';
import type { BulkSelection, DeviceQuery } from '../ports/index.ts';

export function selectionQuery(selection: BulkSelection): Omit<DeviceQuery, 'limit'> {
  return { ...(selection.status ? { status: selection.status } : {}), ...(selection.prefix ? { namePrefix: selection.prefix } : {}), ...(selection.operation ? { operation: selection.operation } : {}) };
}

function patternRegExp(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}

export function matchesSelection(device: Device | Omit<Device, 'authString'>, selection: BulkSelection): boolean {
  if (selection.pattern && !patternRegExp(selection.pattern).test(device.name)) return false;
  if (selection.noLsc && device.lsc) return false;
  if (selection.lscExpiresBefore && !(device.lsc && device.lsc.notAfter < selection.lscExpiresBefore)) return false;
  if (selection.lscIssuer && !(device.lsc && device.lsc.issuer.toLowerCase().includes(selection.lscIssuer.toLowerCase()))) return false;
  return true;
}
