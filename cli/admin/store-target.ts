// The AdminTarget over the data folder's store when no admin API is running: the running stack's dynalite when it
// advertises one, else the folder opened by this process (local-store.ts decides). Changes follow the same rules as
// the API's (device-settings.ts); the audit trail is the local one (<data>/audit.jsonl).
import { storeMonitorTarget, storeOfflineTarget } from './offline-monitor-target.ts';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateView } from '../../shared/admin/certificate-view.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { AuditEvent, DeviceSettings, Stores } from '../../shared/ports/index.ts';
import { hashAuthString, isHashedAuthString } from '../../shared/domain/auth-string.ts';
import { localAdmin } from '../local/local-admin.ts';
import { abandonEarlierCertificates, deviceIssuances } from '../../shared/domain/certificate-states.ts';
import { settingsFromFlags } from './device-settings.ts';
import { TemplateAdmin, templateChange } from '../../shared/admin/templates.ts';
import { matchesFilter, visibleDevice, type AdminTarget, type AuditFilter, type CaTarget, type DeviceChange, type DeviceFilter, type TrustTarget } from './target.ts';

/** The local audit trail's file (cli/local/local-admin.ts writes it). */
const AUDIT_FILE = 'audit.jsonl';
/** The newest events read from the local trail, at most. */
const MAX_AUDIT_BYTES = 16 * 1024 * 1024;

export async function openStoreTarget(dataDir: string): Promise<AdminTarget> {
  const { openLocalStore } = await import('../local/local-store.ts'); // the store's modules load only when a command runs
  const local = await openLocalStore(dataDir);
  return storeTarget(local.store, dataDir, () => local.close());
}

/**
 * The settings as the store takes them: a string in clear (a new one from the flags, or one an older version stored in
 * clear) becomes its keyed hash under <data>/auth-string.key; the store refuses clear strings.
 */
async function hashedSettings(settings: DeviceSettings, dataDir: string): Promise<DeviceSettings> {
  const { authString } = settings;
  if (authString === undefined || isHashedAuthString(authString)) return settings;
  const { loadOrCreateAuthStringKey } = await import('../local/auth-string-key.ts');
  return { ...settings, authString: hashAuthString(authString, (await loadOrCreateAuthStringKey(dataDir)).key) };
}

/** Changes made on the data folder are the local administrator's. */
const LOCAL = { actor: 'local' };

export function storeTarget(store: Stores, dataDir: string, close: () => Promise<void>): AdminTarget {
  const admin = localAdmin(dataDir, store);
  const trust: TrustTarget = {
    list: (name) => admin.trust.list(name),
    add: (pem, options) => admin.trust.add(LOCAL, pem, options),
    show: (id, name) => admin.trust.show(id, name),
    remove: (id, name) => admin.trust.remove(LOCAL, id, name),
    removeMicRoots: () => admin.trust.removeMicRoots(LOCAL),
  };
  const ca: CaTarget = {
    show: () => admin.ca.show(),
    export: () => admin.ca.export(),
    regenerate: (options) => admin.ca.regenerate(LOCAL, options),
    import: (certificatePem, privateKeyPem) => admin.ca.import(LOCAL, certificatePem, privateKeyPem),
  };
  return {
    trust,
    ca,
    offline: storeOfflineTarget(admin, dataDir, store),
    monitor: storeMonitorTarget(store, dataDir),
    description: `data folder ${dataDir}`,
    async getDevice(name) {
      const device = await store.devices.get(name);
      return device && visibleDevice(device);
    },
    async setDevice(name, given: DeviceChange, options) {
      const existing = await store.devices.get(name);
      const templates = new TemplateAdmin({ templates: store.templates, audit: store.audit });
      const change = existing ? given : templateChange(await templates.forCreation(options.template), given, new Date());
      const { settings, generated } = settingsFromFlags(name, existing, {
        ...(change.operation ? { operation: change.operation } : {}),
        ...(change.authMode ? { authMode: change.authMode } : {}),
        ...(change.authString !== undefined ? { authString: change.authString } : {}),
        ...(change.generateAuthString ? { generate: true } : {}),
        ...(change.keyOrder ? { keyOrder: change.keyOrder } : {}),
        ...(change.rsaKeySize ? { rsaSize: change.rsaKeySize } : {}),
        ...(change.curve ? { curve: change.curve } : {}),
        ...(typeof change.completesBy === 'string' ? { completesBy: change.completesBy } : {}),
        ...(change.completesBy === null ? { noDeadline: true } : {}),
      });
      const saved = await store.devices.put(await hashedSettings(settings, dataDir), { newOperation: options.arm });
      // Re-armed: what the phone never stored of the earlier operations is abandoned (issue 10).
      if (existing && existing.operationId !== saved.operationId) await abandonEarlierCertificates(store.issuances, saved);
      const device = visibleDevice(saved);
      return { before: existing && visibleDevice(existing), device, created: !existing, ...(generated ? { generated } : {}) };
    },
    deviceCertificates: async (name) => (await deviceIssuances(store, name)).records.map(certificateView),
    async listDevices(filter: DeviceFilter) {
      const all = (await store.devices.list()).filter((device) => matchesFilter(device, filter));
      return (filter.limit ? all.slice(0, filter.limit) : all).map(visibleDevice);
    },
    async deleteDevice(name) {
      try {
        await store.devices.delete(name);
        return true;
      } catch (error) {
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    },
    getParameters: () => store.parameters.get(),
    setParameters: (change) => store.parameters.update(change),
    listAudit: (filter) => readLocalAudit(join(dataDir, AUDIT_FILE), filter),
    close,
  };
}

/** The local trail's events matching the filter, newest first (a missing file is an empty trail). */
export async function readLocalAudit(path: string, filter: AuditFilter): Promise<AuditEvent[]> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - MAX_AUDIT_BYTES);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const events: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const event = JSON.parse(line) as AuditEvent;
      if (filter.device && event.deviceName !== filter.device) continue;
      if (filter.actor && event.actor !== filter.actor) continue;
      if (filter.since && event.at < filter.since) continue;
      events.push(event);
    } catch {
      // a line cut by the size bound
    }
  }
  events.reverse();
  return filter.limit ? events.slice(0, filter.limit) : events;
}
