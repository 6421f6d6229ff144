// The admin service: what a CUCM administrator does for CAPF (devices, their operations, the service parameters, the
// audit trail), over the ports. The admin function (AWS), the local admin API of `capf serve` and the tests call it;
// the CLI reaches it through the HTTP API (shared/admin/http). Every change is a conditional write in the store and
// records an AuditEvent with the actor, the result and the changed fields (secrets redacted).
import { certificateView, type CertificateView } from './certificate-view.ts';
import { certificatesExpiring, expirySummary, type ExpirySummary, type ListedCertificate } from './certificate-expiry.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { isValidDeviceName, type Device } from '../model.ts';
import { normaliseDeviceName } from '../domain/device-name.ts';
import { hashAuthString, isHashedAuthString } from '../domain/auth-string.ts';
import { abandonEarlierCertificates, deviceIssuances } from '../domain/certificate-states.ts';
import type { AuditEvent, AuditPage, AuditQuery, DeviceQuery, ServiceParameters, Stores } from '../ports/index.ts';
import { applyDeviceChange, generateAuthString, type DeviceChange } from './device-changes.ts';
import { auditDiff, deviceView, type DeviceView } from './redaction.ts';
import { TemplateAdmin, templateChange } from './templates.ts';

export type AdminStores = Pick<Stores, 'devices' | 'parameters' | 'audit' | 'issuances'> & Partial<Pick<Stores, 'templates'>>;

/** Who asks: an IAM principal ARN (AWS) or `local`. */
export interface AdminActor {
  actor: string;
}

export interface AdminServiceOptions {
  stores: AdminStores;
  now?: () => Date;
  /**
   * The deployment's key for authentication strings: a string is stored only as its keyed hash under it
   * (shared/domain/auth-string.ts). When loading it fails, an edit that would store a string is refused with that
   * error; other edits go on. Without it at all, a string is stored as given (tests and older local set-ups only).
   */
  authStringKey?: () => Promise<Uint8Array>;
}

/** A device as the API shows it; `authString` only in the one response that generated it. */
export type DeviceResult = DeviceView & { authString?: string };

export class AdminService {
  private readonly stores: AdminStores;
  private readonly now: () => Date;
  private readonly authStringKey: (() => Promise<Uint8Array>) | undefined;

  constructor(options: AdminServiceOptions) {
    this.stores = options.stores;
    this.now = options.now ?? (() => new Date());
    this.authStringKey = options.authStringKey;
  }

  async getDevice(given: string): Promise<DeviceView> {
    const name = lookupName(given);
    const device = await this.stores.devices.get(name);
    if (!device) throw new NotFoundError(`device ${name} does not exist`, 'DEVICE_NOT_FOUND');
    return deviceView(device);
  }

  /**
   * The device's certificates (issuance records) and their states, oldest first, the device's current LSC installed
   * (shared/domain/certificate-states.ts); they outlive a deleted device.
   */
  async deviceCertificates(given: string): Promise<CertificateView[]> {
    const name = lookupName(given);
    const { device, records } = await deviceIssuances(this.stores, name);
    if (records.length === 0 && !device) throw new NotFoundError(`device ${name} does not exist`, 'DEVICE_NOT_FOUND');
    return records.map(certificateView);
  }

  /** The certificates in service by expiry: buckets of days to expiry and the next twelve months (the console's chart). */
  expirySummary(): Promise<ExpirySummary> {
    return expirySummary(this.stores.issuances, this.now());
  }

  /** The certificates in service expiring in [from, to], soonest first (the list behind a bar of the chart). */
  certificatesExpiring(range: { from: string; to: string; limit: number }): Promise<{ certificates: ListedCertificate[]; truncated: boolean }> {
    return certificatesExpiring(this.stores, range);
  }

  async listDevices(query: DeviceQuery): Promise<{ devices: DeviceView[]; nextCursor?: string }> {
    const page = await this.stores.devices.query(query);
    return { devices: page.devices.map(deviceView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  /**
   * Creates a device; ConflictError DEVICE_EXISTS when one of that name exists. It gets the settings of `template`
   * (NotFoundError TEMPLATE_NOT_FOUND when absent), else of the default template, for whatever `change` leaves out.
   */
  async createDevice(who: AdminActor, name: string, change: DeviceChange, template?: string): Promise<DeviceResult> {
    let withTemplate = change;
    if (this.stores.templates) {
      try {
        const admin = new TemplateAdmin({ templates: this.stores.templates, audit: this.stores.audit });
        withTemplate = templateChange(await admin.forCreation(template), change, this.now());
      } catch (error) {
        await this.auditRefusal(who, 'device.create', { deviceName: name }, error);
        throw error;
      }
    } else if (template !== undefined) {
      throw new NotFoundError(`template ${template} does not exist: this service keeps no templates`, 'TEMPLATE_NOT_FOUND');
    }
    return this.editDevice(who, 'device.create', name, withTemplate, { create: true, normalise: normaliseDeviceName });
  }

  /** Changes the given settings of an existing device; a changed operation is armed anew. */
  changeDevice(who: AdminActor, name: string, change: DeviceChange, expectedVersion?: number): Promise<DeviceResult> {
    return this.editDevice(who, 'device.update', name, change, { expectedVersion, normalise: lookupName });
  }

  /** Arms `operation` again (a fresh operation id) with its deadline, even when it is the operation already set. */
  armOperation(who: AdminActor, name: string, change: DeviceChange & { operation: Device['operation'] }, expectedVersion?: number): Promise<DeviceResult> {
    return this.editDevice(who, 'device.arm', name, change, { arm: true, expectedVersion, normalise: lookupName });
  }

  async deleteDevice(who: AdminActor, given: string, expectedVersion?: number): Promise<DeviceView> {
    let name = given;
    try {
      name = lookupName(given);
      const deleted = await this.stores.devices.remove(name, expectedVersion !== undefined ? { expectedVersion } : {});
      await this.audit(who, 'device.delete', { deviceName: name, ...auditDiff(deleted, undefined) });
      return deviceView(deleted);
    } catch (error) {
      await this.auditRefusal(who, 'device.delete', { deviceName: name }, error);
      throw error;
    }
  }

  getParameters(): Promise<ServiceParameters> {
    return this.stores.parameters.get();
  }

  async setParameters(who: AdminActor, changes: Partial<ServiceParameters>): Promise<ServiceParameters> {
    try {
      const before = await this.stores.parameters.get();
      const after = await this.stores.parameters.update(changes);
      const was: Record<string, unknown> = {};
      const now: Record<string, unknown> = {};
      for (const key of Object.keys(after) as (keyof ServiceParameters)[]) {
        if (key === 'updatedAt' || before[key] === after[key]) continue;
        was[key] = before[key];
        now[key] = after[key];
      }
      await this.audit(who, 'params.update', { target: 'parameters', before: was, after: now });
      return after;
    } catch (error) {
      await this.auditRefusal(who, 'params.update', { target: 'parameters' }, error);
      throw error;
    }
  }

  listAudit(query: AuditQuery): Promise<AuditPage> {
    return this.stores.audit.list(query.deviceName !== undefined ? { ...query, deviceName: lookupName(query.deviceName) } : query);
  }

  /** The key, its loading error (thrown only if a string must be hashed), or none when the service was given no key. */
  private async loadAuthStringKey(): Promise<{ key?: Uint8Array } | { error: unknown }> {
    if (!this.authStringKey) return {};
    try {
      return { key: await this.authStringKey() };
    } catch (error) {
      return { error };
    }
  }

  private async editDevice(
    who: AdminActor,
    action: string,
    given: string,
    change: DeviceChange,
    mode: { create?: boolean; arm?: boolean; expectedVersion?: number | undefined; normalise: (name: string) => string },
  ): Promise<DeviceResult> {
    let name = given;
    try {
      name = mode.normalise(given);
      const generated = change.generateAuthString ? generateAuthString() : undefined;
      // The key is needed only when a clear string is to be saved; an edit that stores none does not wait on it.
      const key = await this.loadAuthStringKey();
      const { before, after } = await this.stores.devices.edit(
        name,
        (current) => {
          if (mode.create && current) throw new ConflictError(`device ${name} already exists: change it instead`, 'DEVICE_EXISTS');
          if (!mode.create && !current) throw new NotFoundError(`device ${name} does not exist`, 'DEVICE_NOT_FOUND');
          const next = applyDeviceChange(name, current, change, { now: this.now(), arm: mode.arm === true, ...(generated ? { generated } : {}) });
          // Only the keyed hash is stored: a new string, or one an older version stored in clear (hashed at this save).
          const clear = next.settings.authString;
          if (clear !== undefined && !isHashedAuthString(clear)) {
            if ('error' in key) throw key.error;
            if (key.key) next.settings.authString = hashAuthString(clear, key.key);
          }
          return next;
        },
        mode.expectedVersion !== undefined ? { expectedVersion: mode.expectedVersion } : {},
      );
      // Re-armed: what the phone never stored of the earlier operations is abandoned (issue 10).
      if (before && before.operationId !== after.operationId) await abandonEarlierCertificates(this.stores.issuances, after);
      await this.audit(who, action, { deviceName: name, ...auditDiff(before, after) });
      return { ...deviceView(after), ...(generated ? { authString: generated } : {}) };
    } catch (error) {
      await this.auditRefusal(who, action, { deviceName: name }, error);
      throw error;
    }
  }

  private audit(who: AdminActor, action: string, fields: Partial<AuditEvent>): Promise<void> {
    return this.stores.audit.record({ at: this.now().toISOString(), actor: who.actor, action, result: 'ok', ...fields });
  }

  /** A refused change is part of the trail too (who tried what); a failure to record it never hides the refusal. */
  private async auditRefusal(who: AdminActor, action: string, fields: Partial<AuditEvent>, error: unknown): Promise<void> {
    const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'INTERNAL';
    const message = error instanceof Error ? error.message : undefined;
    const valid = fields.deviceName === undefined || /^[A-Za-z0-9_.-]{1,64}$/.test(fields.deviceName);
    if (!valid) fields = { target: 'invalid device name' };
    await this.stores.audit
      .record({
        at: this.now().toISOString(),
        actor: who.actor,
        action,
        result: code === 'STORE' || code === 'INTERNAL' ? 'failed' : 'refused',
        code,
        ...fields,
        ...(message ? { message } : {}),
      })
      .catch(() => undefined);
  }
}

/**
 * The name a device is looked up by: the CUCM form (upper case) when the name is one CUCM accepts, else the name as
 * given if the store's wider rule accepts it (a device created before names were checked stays reachable).
 */
function lookupName(name: string): string {
  try {
    return normaliseDeviceName(name);
  } catch (error) {
    if (!isValidDeviceName(name)) throw error;
    return name;
  }
}
