// Automatic re-enrolment: which devices should get install/upgrade armed (with LSC authentication) because their LSC
// has used up a chosen fraction of its lifetime, so the phone renews while its LSC can still prove who it is.
import { REENROLMENT_FRACTION } from '../domain/parameters.ts';
import { ValidationError } from '../errors.ts';
import { checkCertificate, checkNow, compareText, type CheckedCertificate, type MonitoredCertificate } from './certificates.ts';

/** The share of an LSC's lifetime after which its device is re-enrolled (service parameter; default two thirds). */
export { REENROLMENT_FRACTION };

export interface ReenrolmentCandidate {
  device: string;
  /** The LSC the device holds now (the newest installed one). */
  serialHex: string;
  notAfter: string;
  /** How much of that LSC's lifetime has passed, 0–1. */
  elapsed: number;
}

export function checkReenrolmentFraction(fraction: number): number {
  if (typeof fraction !== 'number' || !(fraction >= REENROLMENT_FRACTION.min && fraction <= REENROLMENT_FRACTION.max)) {
    throw new ValidationError(`the re-enrolment point must be a fraction of the LSC lifetime from ${REENROLMENT_FRACTION.min} to ${REENROLMENT_FRACTION.max}, not ${fraction}`, 'INVALID_MONITOR_OPTIONS');
  }
  return fraction;
}

/**
 * Devices whose installed LSC has passed `fraction` of its lifetime (notBefore + fraction × (notAfter − notBefore) ≤
 * now) and has not expired: an expired LSC can no longer authenticate the phone, so those are left to the
 * administrator (the digest lists them as expired). When a device has several installed LSCs only the newest counts.
 * Sorted by device name. The caller skips devices that already have an operation pending.
 */
export function reenrolmentDue(certificates: readonly MonitoredCertificate[], options: { now: Date; fraction?: number }): ReenrolmentCandidate[] {
  const nowMs = checkNow(options.now);
  const fraction = checkReenrolmentFraction(options.fraction ?? REENROLMENT_FRACTION.default);
  const newest = new Map<string, CheckedCertificate>();
  for (const certificate of certificates) {
    const checked = checkCertificate(certificate);
    if (certificate.kind !== 'lsc' || certificate.state !== 'installed') continue;
    const held = newest.get(certificate.device);
    if (!held || checked.notAfterMs > held.notAfterMs) newest.set(certificate.device, checked);
  }
  const due: ReenrolmentCandidate[] = [];
  for (const [device, checked] of newest) {
    const lifetime = checked.notAfterMs - checked.notBeforeMs;
    const elapsed = (nowMs - checked.notBeforeMs) / lifetime;
    if (elapsed >= fraction && nowMs < checked.notAfterMs) {
      due.push({ device, serialHex: checked.serial, notAfter: checked.certificate.notAfter, elapsed });
    }
  }
  return due.sort((a, b) => compareText(a.device, b.device));
}
