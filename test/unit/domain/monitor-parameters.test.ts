// The expiry monitor's service parameters (F19): lead time, recipients, re-enrolment switch and point, with the bounds
// shared/monitor defines; what is stored out of bounds falls back to the default.
import { describe, expect, it } from 'vitest';
import { checkParameterUpdate, DEFAULT_PARAMETERS, MAX_EXPIRY_RECIPIENTS, withDefaultParameters } from '../../../shared/domain/parameters.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { LEAD_TIME_DAYS, REENROLMENT_FRACTION } from '../../../shared/monitor/index.ts';

describe('expiry monitor parameters', () => {
  it('defaults: 30-day lead, no recipients, re-enrolment off at two thirds', () => {
    expect(DEFAULT_PARAMETERS).toMatchObject({ expiryLeadDays: 30, expiryRecipients: [], reenrolmentEnabled: false, reenrolmentFraction: 2 / 3 });
  });

  it('accepts values within the monitor bounds and lowercases recipients once each', () => {
    const update = checkParameterUpdate({
      expiryLeadDays: LEAD_TIME_DAYS.max,
      expiryRecipients: ['Ops@Example.com', 'ops@example.com', 'pki@lab.example.org'],
      reenrolmentEnabled: true,
      reenrolmentFraction: REENROLMENT_FRACTION.min,
    });
    expect(update).toEqual({ expiryLeadDays: 365, expiryRecipients: ['ops@example.com', 'pki@lab.example.org'], reenrolmentEnabled: true, reenrolmentFraction: 0.05 });
  });

  it.each([
    ['a lead time of 0 days', { expiryLeadDays: 0 }],
    ['a lead time of 366 days', { expiryLeadDays: 366 }],
    ['a fractional lead time', { expiryLeadDays: 7.5 }],
    ['a recipient that is not an address', { expiryRecipients: ['ops'] }],
    ['a recipient with a header injection', { expiryRecipients: ['a@b.com\r\nBcc: x@y.com'] }],
    ['recipients given as one string', { expiryRecipients: 'ops@example.com' }],
    ['too many recipients', { expiryRecipients: Array.from({ length: MAX_EXPIRY_RECIPIENTS + 1 }, (_, i) => `r${i}@example.com`) }],
    ['a re-enrolment point of 0.99', { reenrolmentFraction: 0.99 }],
    ['a re-enrolment point given as text', { reenrolmentFraction: '0.5' }],
    ['a re-enrolment switch given as text', { reenrolmentEnabled: 'on' }],
  ])('refuses %s with INVALID_PARAMETER', (_name, update) => {
    let caught: unknown;
    try {
      checkParameterUpdate(update as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).code).toBe('INVALID_PARAMETER');
  });

  it('falls back to the defaults for unusable stored values', () => {
    const merged = withDefaultParameters({ expiryLeadDays: 900, expiryRecipients: ['not an address'], reenrolmentFraction: 2, reenrolmentEnabled: 'yes' });
    expect(merged).toMatchObject({ expiryLeadDays: 30, expiryRecipients: [], reenrolmentFraction: 2 / 3, reenrolmentEnabled: false });
    expect(withDefaultParameters({ expiryRecipients: ['ops@example.com'] }).expiryRecipients).toEqual(['ops@example.com']);
  });
});
