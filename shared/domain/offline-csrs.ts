// The offline CA's rules over a device's CSRs (F3, F20): which imported certificate the phone's next session delivers,
// and which imported certificates are stale because the phone made a newer CSR before it could receive them.
import type { Device } from '../model.ts';
import type { PendingCsr } from '../ports/index.ts';

function newer(a: PendingCsr, b: PendingCsr): boolean {
  return a.requestedAt > b.requestedAt || (a.requestedAt === b.requestedAt && a.requestId > b.requestId);
}

/** The device's newest CSR: the key the phone holds now. */
export function newestCsr(deviceCsrs: readonly PendingCsr[]): PendingCsr | undefined {
  let newest: PendingCsr | undefined;
  for (const csr of deviceCsrs) if (!newest || newer(csr, newest)) newest = csr;
  return newest;
}

/**
 * The imported certificate the device's next session delivers: that of its newest CSR, imported, made for the install
 * operation the device has now. An older CSR's certificate is stale (the phone no longer holds that key).
 */
export function waitingImport(device: Device | undefined, deviceCsrs: readonly PendingCsr[]): PendingCsr | undefined {
  if (!device || device.operation !== 'install') return undefined;
  const newest = newestCsr(deviceCsrs);
  return newest?.state === 'imported' && newest.imported && newest.operationId === device.operationId ? newest : undefined;
}

/**
 * F20: imported certificates that will never be installed because the same device made a newer CSR. `csrs` may hold
 * several devices' CSRs; the result keeps their order.
 */
export function staleImports(csrs: readonly PendingCsr[]): PendingCsr[] {
  const newestByDevice = new Map<string, PendingCsr>();
  for (const csr of csrs) {
    const known = newestByDevice.get(csr.deviceName);
    if (!known || newer(csr, known)) newestByDevice.set(csr.deviceName, csr);
  }
  return csrs.filter((csr) => csr.state === 'imported' && newestByDevice.get(csr.deviceName) !== csr);
}
