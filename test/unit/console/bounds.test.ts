// The console's parameter and template forms enforce the same bounds as the API (shared/domain/parameters.ts,
// shared/admin/templates.ts).
import { describe, expect, it } from 'vitest';
import { MAX_EXPIRY_RECIPIENTS, PARAMETER_BOUNDS, TEMPLATE_DEADLINE_DAYS } from '../../../cli/console/client/bounds.ts';
import { TEMPLATE_DEADLINE_DAYS as TEMPLATE_DEADLINE } from '../../../shared/admin/templates.ts';
import * as domain from '../../../shared/domain/parameters.ts';

describe('console parameter bounds', () => {
  it('equal the domain rules for every numeric parameter', () => {
    const names: Record<keyof typeof PARAMETER_BOUNDS, { min: number; max: number }> = {
      lscValidityDays: domain.LSC_VALIDITY_DAYS,
      maxCertificatesPerOperation: domain.MAX_CERTIFICATES_PER_OPERATION,
      authFailureLimit: domain.AUTH_FAILURE_LIMIT,
      authLockMaxMinutes: domain.AUTH_LOCK_MAX_MINUTES,
      addressFailureLimit: domain.ADDRESS_FAILURE_LIMIT,
      phoneNetworkFailureLimit: domain.PHONE_NETWORK_FAILURE_LIMIT,
      addressCooldownSeconds: domain.ADDRESS_COOLDOWN_SECONDS,
      certificateClockSkewSeconds: domain.CERTIFICATE_CLOCK_SKEW_SECONDS,
      expiryLeadDays: domain.LEAD_TIME_DAYS,
      keepAliveMinutes: domain.KEEPALIVE_MINUTES,
      reenrolmentFraction: domain.REENROLMENT_FRACTION,
    };
    for (const [name, bounds] of Object.entries(names)) expect(PARAMETER_BOUNDS[name as keyof typeof PARAMETER_BOUNDS], name).toEqual({ min: bounds.min, max: bounds.max });
    const numeric = Object.entries(domain.DEFAULT_PARAMETERS).filter(([, value]) => typeof value === 'number').map(([name]) => name);
    expect(Object.keys(PARAMETER_BOUNDS).sort()).toEqual(numeric.sort());
    expect(MAX_EXPIRY_RECIPIENTS).toBe(domain.MAX_EXPIRY_RECIPIENTS);
    expect(TEMPLATE_DEADLINE_DAYS).toEqual(TEMPLATE_DEADLINE);
  });
});
