// The service parameters' bounds as the form shows and enforces them: the same numbers as shared/domain/parameters.ts
// (which the browser cannot bundle: its module graph reaches node:crypto), and a template's deadline span
// (shared/admin/templates.ts); test/unit/console/bounds.test.ts keeps them equal.
export const PARAMETER_BOUNDS = {
  lscValidityDays: { min: 1, max: 1825 },
  maxCertificatesPerOperation: { min: 1, max: 20 },
  authFailureLimit: { min: 1, max: 20 },
  authLockMaxMinutes: { min: 1, max: 1440 },
  addressFailureLimit: { min: 1, max: 100_000 },
  phoneNetworkFailureLimit: { min: 1, max: 1_000_000 },
  addressCooldownSeconds: { min: 1, max: 86_400 },
  certificateClockSkewSeconds: { min: 0, max: 86_400 },
  expiryLeadDays: { min: 1, max: 365 },
  keepAliveMinutes: { min: 5, max: 60 },
  reenrolmentFraction: { min: 0.05, max: 0.95 },
} as const;

export const MAX_EXPIRY_RECIPIENTS = 50;

export const TEMPLATE_DEADLINE_DAYS = { min: 1, max: 365 } as const;
