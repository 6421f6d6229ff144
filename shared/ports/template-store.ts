// Universal device templates (F10): named CAPF defaults a device gets when it is created through the template (CLI,
// API, CSV import), and the one default template that applies to devices created without naming one.
// Adapter: shared/store/dynamo-template-store.ts.
import type { AuthMode, CertificateOperation, EcCurve, KeyOrder } from '../model.ts';

export interface DeviceTemplate {
  /** 1-64 of A-Z a-z 0-9 _ . - (case kept; looked up as given). */
  name: string;
  description?: string;
  operation?: CertificateOperation;
  authMode?: AuthMode;
  keyOrder?: KeyOrder;
  rsaKeySize?: number;
  curve?: EcCurve;
  /** The operation's deadline, this many days after the device is created (only when an operation is set). */
  deadlineDays?: number;
  createdAt: string;
}

export interface TemplateStore {
  get(name: string): Promise<DeviceTemplate | undefined>;
  /** Every template by name (a deployment has a handful; refused past a bound). */
  list(): Promise<DeviceTemplate[]>;
  /** ConflictError TEMPLATE_EXISTS when one of that name exists. */
  create(template: DeviceTemplate): Promise<DeviceTemplate>;
  /** NotFoundError TEMPLATE_NOT_FOUND when absent; clears the default when it named this template. */
  delete(name: string): Promise<DeviceTemplate>;
  /** The default template's name, if one is set. */
  getDefault(): Promise<string | undefined>;
  /** Sets (conditional on the template existing) or clears the default. */
  setDefault(name: string | undefined): Promise<void>;
}
