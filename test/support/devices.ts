// Device records for tests that drive the session machine directly (the store assigns these fields in real runs).
import type { Device } from '../../shared/model.ts';

export function makeDevice(overrides: Partial<Device> = {}): Device {
  const now = new Date().toISOString();
  return {
    name: 'SEP001122334455',
    operation: 'install',
    operationId: 'op-1',
    authMode: 'null-string',
    keyOrder: 'rsa',
    rsaKeySize: 2048,
    curve: 'P-256',
    status: 'pending',
    statusAt: now,
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...overrides,
  };
}
