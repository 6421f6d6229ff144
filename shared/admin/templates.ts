// Universal device templates (F10): named CAPF defaults (operation, authentication mode, key order and sizes, a
// deadline span) that a device created through the template gets for every setting it does not give itself; a default
// template applies to devices created without naming one. Created, listed, shown, deleted and made default here, over
// the TemplateStore; every change is audited (action template.*, target the template's name).
import { NotFoundError, ValidationError } from '../errors.ts';
import { AUTH_MODES, CERTIFICATE_OPERATIONS, EC_CURVES, KEY_ORDERS, RSA_KEY_SIZES } from '../model.ts';
import type { AuditLog, DeviceTemplate, TemplateStore } from '../ports/index.ts';
import type { DeviceChange } from './device-changes.ts';

export const TEMPLATE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_TEMPLATE_DESCRIPTION = 200;
export const TEMPLATE_DEADLINE_DAYS = { min: 1, max: 365 } as const;
const DAY_MS = 86_400_000;

/** What an administrator gives for a new template (the store adds createdAt). */
export type TemplateInput = Omit<DeviceTemplate, 'createdAt'>;

export function checkTemplateName(name: unknown): string {
  if (typeof name !== 'string' || !TEMPLATE_NAME.test(name)) {
    throw new ValidationError('a template name is 1-64 of A-Z a-z 0-9 _ . -', 'INVALID_TEMPLATE_NAME');
  }
  return name;
}

function oneOf<T>(field: string, value: T | undefined, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value)) throw new ValidationError(`${field} must be one of ${allowed.join(', ')}`, 'INVALID_TEMPLATE');
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20 || text.charCodeAt(i) === 0x7f) return true;
  return false;
}

/** The template as stored: every field checked (a template is checked once, at creation, not at each use). */
export function checkTemplate(input: TemplateInput): TemplateInput {
  checkTemplateName(input.name);
  oneOf('operation', input.operation, CERTIFICATE_OPERATIONS);
  oneOf('authMode', input.authMode, AUTH_MODES);
  oneOf('keyOrder', input.keyOrder, KEY_ORDERS);
  oneOf('rsaKeySize', input.rsaKeySize, RSA_KEY_SIZES);
  oneOf('curve', input.curve, EC_CURVES);
  if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > MAX_TEMPLATE_DESCRIPTION || hasControlCharacter(input.description))) {
    throw new ValidationError(`description must be at most ${MAX_TEMPLATE_DESCRIPTION} characters on one line`, 'INVALID_TEMPLATE');
  }
  const days = input.deadlineDays;
  if (days !== undefined && (!Number.isInteger(days) || days < TEMPLATE_DEADLINE_DAYS.min || days > TEMPLATE_DEADLINE_DAYS.max)) {
    throw new ValidationError(`deadlineDays must be a whole number from ${TEMPLATE_DEADLINE_DAYS.min} to ${TEMPLATE_DEADLINE_DAYS.max}`, 'INVALID_TEMPLATE');
  }
  if (days !== undefined && (input.operation === undefined || input.operation === 'none')) {
    throw new ValidationError('deadlineDays needs an operation other than none in the template', 'INVALID_TEMPLATE');
  }
  const out: TemplateInput = { name: input.name };
  for (const key of ['description', 'operation', 'authMode', 'keyOrder', 'rsaKeySize', 'curve', 'deadlineDays'] as const) {
    if (input[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = input[key];
  }
  return out;
}

/**
 * The change a new device is created with: the template's value for every setting the change does not give; its
 * deadline span from `now` when the change sets no deadline. A template in auth-string mode without a string given
 * generates one per device (shown once, as `--generate` does).
 */
export function templateChange(template: DeviceTemplate | undefined, change: DeviceChange, now: Date): DeviceChange {
  if (!template) return change;
  const out: DeviceChange = { ...change };
  if (out.operation === undefined && template.operation !== undefined) out.operation = template.operation;
  const explicitString = change.authString !== undefined || change.generateAuthString === true;
  if (out.authMode === undefined && template.authMode !== undefined && !explicitString) out.authMode = template.authMode;
  if (out.keyOrder === undefined && template.keyOrder !== undefined) out.keyOrder = template.keyOrder;
  if (out.rsaKeySize === undefined && template.rsaKeySize !== undefined) out.rsaKeySize = template.rsaKeySize;
  if (out.curve === undefined && template.curve !== undefined) out.curve = template.curve;
  if (out.completesBy === undefined && template.deadlineDays !== undefined && (out.operation ?? 'none') !== 'none') {
    out.completesBy = new Date(now.getTime() + template.deadlineDays * DAY_MS).toISOString();
  }
  if (out.authMode === 'auth-string' && !explicitString) {
    delete out.authMode;
    out.generateAuthString = true;
  }
  return out;
}

export interface TemplateAdminOptions {
  templates: TemplateStore;
  audit: AuditLog;
  now?: () => Date;
}

export class TemplateAdmin {
  private readonly templates: TemplateStore;
  private readonly auditLog: AuditLog;
  private readonly now: () => Date;

  constructor(options: TemplateAdminOptions) {
    this.templates = options.templates;
    this.auditLog = options.audit;
    this.now = options.now ?? (() => new Date());
  }

  async list(): Promise<{ templates: DeviceTemplate[]; defaultTemplate?: string }> {
    const [templates, defaultName] = await Promise.all([this.templates.list(), this.templates.getDefault()]);
    const present = defaultName !== undefined && templates.some((t) => t.name === defaultName);
    return { templates, ...(present ? { defaultTemplate: defaultName } : {}) };
  }

  async show(name: string): Promise<DeviceTemplate & { isDefault: boolean }> {
    const template = await this.templates.get(checkTemplateName(name));
    if (!template) throw new NotFoundError(`template ${name} does not exist: list them with capf template list`, 'TEMPLATE_NOT_FOUND');
    return { ...template, isDefault: (await this.templates.getDefault()) === name };
  }

  /** The template a device is created through: the one named (NotFoundError when absent), else the default if any. */
  async forCreation(name: string | undefined): Promise<DeviceTemplate | undefined> {
    if (name !== undefined) {
      const template = await this.templates.get(checkTemplateName(name));
      if (!template) throw new NotFoundError(`template ${name} does not exist: list them with capf template list`, 'TEMPLATE_NOT_FOUND');
      return template;
    }
    const fallback = await this.templates.getDefault();
    return fallback === undefined ? undefined : this.templates.get(fallback);
  }

  async create(actor: string, input: TemplateInput & { makeDefault?: boolean }): Promise<DeviceTemplate & { isDefault: boolean }> {
    const { makeDefault, ...rest } = input;
    return this.audited(actor, 'template.create', input.name, async () => {
      const created = await this.templates.create({ ...checkTemplate(rest), createdAt: this.now().toISOString() });
      if (makeDefault) await this.templates.setDefault(created.name);
      return { ...created, isDefault: makeDefault === true };
    });
  }

  delete(actor: string, name: string): Promise<DeviceTemplate> {
    return this.audited(actor, 'template.delete', name, () => this.templates.delete(checkTemplateName(name)));
  }

  /** Makes `name` the default template, or clears the default (undefined). */
  setDefault(actor: string, name: string | undefined): Promise<{ defaultTemplate?: string }> {
    return this.audited(actor, 'template.default', name ?? '(none)', async () => {
      await this.templates.setDefault(name === undefined ? undefined : checkTemplateName(name));
      return name === undefined ? {} : { defaultTemplate: name };
    });
  }

  private async audited<T>(actor: string, action: string, target: string, work: () => Promise<T>): Promise<T> {
    const at = () => this.now().toISOString();
    const safeTarget = TEMPLATE_NAME.test(target) || target === '(none)' ? target : 'invalid template name';
    try {
      const result = await work();
      await this.auditLog.record({ at: at(), actor, action, result: 'ok', target: `template:${safeTarget}` });
      return result;
    } catch (error) {
      const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'INTERNAL';
      await this.auditLog
        .record({ at: at(), actor, action, result: code === 'STORE' || code === 'INTERNAL' ? 'failed' : 'refused', code, target: `template:${safeTarget}` })
        .catch(() => undefined);
      throw error;
    }
  }
}
