// The allowed values the forms offer, from the same source as the API's checks (shared/model.ts).
export { AUTH_MODES, CERTIFICATE_OPERATIONS as OPERATIONS, EC_CURVES, KEY_ORDERS } from '../../../shared/model.ts';
export const RSA_KEY_SIZES = ['1024', '2048', '3072', '4096'] as const;
export const STATUSES = ['none', 'pending', 'in-progress', 'success', 'failed'] as const;
