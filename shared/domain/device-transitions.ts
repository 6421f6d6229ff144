// How a device changes: admin upserts, a session taking the operation, a session ending it. Pure functions on Device
// values; a store adapter reads, applies one of these and writes conditionally on the version it read.
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../errors.ts';
import type { Device } from '../model.ts';
import type { DeviceSettings, OperationOutcome } from '../ports/index.ts';
import { countAuthFailure, withoutLockout } from './auth-lockout.ts';
import { checkFetched, checkLockoutPolicy, checkReason, checkStoredCertificate } from './validation.ts';

/** A brand-new device: its operation (even none) gets an id, status pending unless there is nothing to do. */
export function createDevice(settings: DeviceSettings, now: string): Device {
  return {
    ...settings,
    operationId: randomUUID(),
    status: settings.operation === 'none' ? 'none' : 'pending',
    statusAt: now,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/**
 * Applies new admin settings. A changed operation (or an explicit new one) gets a fresh operationId, so a session
 * still running under the old id can no longer write its outcome; otherwise the operation and its status stay.
 */
export function updateDevice(current: Device, settings: DeviceSettings, newOperation: boolean, now: string): Device {
  const next: Device = {
    ...settings,
    operationId: current.operationId,
    status: current.status,
    statusAt: current.statusAt,
    createdAt: current.createdAt,
    updatedAt: now,
    version: current.version + 1,
  };
  if (current.lsc) next.lsc = current.lsc;
  if (current.lscIssuance) next.lscIssuance = current.lscIssuance;
  if (current.fetched) next.fetched = current.fetched;
  const rearmed = newOperation || current.operation !== settings.operation;
  // Re-arming unlocks (and forgets the wrong strings); any other change keeps the lock.
  if (!rearmed && current.authFailures !== undefined) next.authFailures = current.authFailures;
  if (!rearmed && current.lockedUntil !== undefined) next.lockedUntil = current.lockedUntil;
  // The certificates counted belong to the operation: re-arming starts a new count.
  if (!rearmed && current.certificatesIssued !== undefined) next.certificatesIssued = current.certificatesIssued;
  if (rearmed) {
    next.operationId = randomUUID();
    next.status = settings.operation === 'none' ? 'none' : 'pending';
    next.statusAt = now;
  } else {
    if (current.statusReason !== undefined) next.statusReason = current.statusReason;
    if (current.statusSessionId !== undefined) next.statusSessionId = current.statusSessionId;
  }
  return next;
}

/** Throws ConflictError unless `current` still carries the pending operation `operationId`. */
export function requireOperation(current: Device, operationId: string): void {
  if (current.operationId !== operationId) {
    throw new ConflictError(`device ${current.name}: operation ${operationId} was replaced by ${current.operationId}`);
  }
  if (current.operation === 'none') {
    throw new ConflictError(`device ${current.name}: operation ${operationId} has already ended (status ${current.status})`);
  }
}

export function startOperation(current: Device, operationId: string, sessionId: number, now: string): Device {
  requireOperation(current, operationId);
  // The phone authenticated: the wrong strings before it no longer count.
  const { statusReason: _reason, ...rest } = withoutLockout(current);
  return { ...rest, status: 'in-progress', statusAt: now, statusSessionId: sessionId, updatedAt: now, version: current.version + 1 };
}

/**
 * The outcome of an operation its session began without writing (an install, which the sign service's count marks in
 * progress): applied to the device as startOperation would have left it, in the one write of the outcome.
 */
export function finishBegun(current: Device, operationId: string, sessionId: number, outcome: OperationOutcome, now: string): Device {
  if (outcome.status === 'idle-failure') return finishDevice(current, operationId, outcome, now);
  return finishDevice({ ...startOperation(current, operationId, sessionId, now), version: current.version }, operationId, outcome, now);
}

/**
 * Ends the operation. Success: the operation becomes none, a one-time authentication string is dropped, and the LSC
 * or the fetched certificate is recorded. Failure: the reason is kept, and the operation stays pending only when
 * the caller wants the phone to retry; a wrong authentication string is counted and may lock the operation.
 */
export function finishDevice(current: Device, operationId: string, outcome: OperationOutcome, now: string): Device {
  if (outcome.status === 'idle-failure') return recordIdleFailure(current, operationId, outcome.reason, now);
  requireOperation(current, operationId);
  const next: Device = { ...current, statusAt: now, updatedAt: now, version: current.version + 1 };
  if (outcome.status === 'pending') {
    next.status = 'pending';
    next.statusReason = checkReason(outcome.reason);
    return next;
  }
  if (outcome.status === 'failed') {
    next.status = 'failed';
    next.statusReason = checkReason(outcome.reason);
    if (!outcome.keepOperation) next.operation = 'none';
    if (outcome.authFailure !== undefined) {
      const { lockReason, ...counters } = countAuthFailure(current, checkLockoutPolicy(outcome.authFailure), now);
      Object.assign(next, counters);
      if (lockReason !== undefined) next.statusReason = lockReason;
    }
    return next;
  }
  next.status = 'success';
  next.statusReason = successReason(current, outcome);
  next.operation = 'none';
  if (current.authMode === 'auth-string') delete next.authString;
  if (outcome.lsc === null) {
    delete next.lsc;
    delete next.lscIssuance;
  } else if (outcome.lsc !== undefined) {
    next.lsc = checkStoredCertificate('lsc', outcome.lsc);
    if (outcome.lscIssuance) next.lscIssuance = { operationId: outcome.lscIssuance.operationId, spkiSha256: outcome.lscIssuance.spkiSha256 };
    else delete next.lscIssuance;
  }
  if (outcome.fetched !== undefined) next.fetched = checkFetched(outcome.fetched);
  return next;
}

/** The status of a device with no operation pending: refused (ConflictError) once an administrator armed one. */
function recordIdleFailure(current: Device, operationId: string, reason: string, now: string): Device {
  if (current.operationId !== operationId || current.operation !== 'none') {
    throw new ConflictError(`device ${current.name}: an operation was armed since the session read it; its failure is not recorded over it`);
  }
  return { ...current, status: 'failed', statusReason: checkReason(reason), statusAt: now, updatedAt: now, version: current.version + 1 };
}

function successReason(current: Device, outcome: Extract<OperationOutcome, { status: 'success' }>): string {
  if (outcome.lsc) return `LSC installed (serial ${outcome.lsc.serialHex.slice(0, 40)})${outcome.note ? `; ${outcome.note.slice(0, 200)}` : ''}`;
  if (outcome.lsc === null) return 'LSC deleted';
  if (outcome.fetched) return `${outcome.fetched.certificateType.toUpperCase()} fetched`;
  return `${current.operation} completed`;
}
