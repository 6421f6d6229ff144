// The AdminTarget over the data folder's store: the running `capf serve`'s dynalite when it advertises one, else the
// folder opened by this process (local-store.ts decides).
import { NotFoundError } from '../../shared/errors.ts';
import type { Stores } from '../../shared/ports/index.ts';
import { matchesFilter, visibleDevice, type AdminTarget, type DeviceFilter } from './target.ts';

export async function openStoreTarget(dataDir: string): Promise<AdminTarget> {
  const { openLocalStore } = await import('../local/local-store.ts'); // the store's modules load only when a command runs
  const local = await openLocalStore(dataDir);
  return storeTarget(local.store, `data folder ${dataDir}`, () => local.close());
}

export function storeTarget(store: Stores, description: string, close: () => Promise<void>): AdminTarget {
  return {
    description,
    async getDevice(name) {
      const device = await store.devices.get(name);
      return device && visibleDevice(device);
    },
    getDeviceForChange: (name) => store.devices.get(name),
    deviceCertificates: (name) => store.issuances.listForDevice(name),
    async putDevice(settings, options) {
      return visibleDevice(await store.devices.put(settings, options));
    },
    async listDevices(filter: DeviceFilter) {
      const all = (await store.devices.list()).filter((device) => matchesFilter(device, filter));
      return (filter.limit ? all.slice(0, filter.limit) : all).map(visibleDevice);
    },
    async deleteDevice(name) {
      try {
        await store.devices.delete(name);
        return true;
      } catch (error) {
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    },
    getParameters: () => store.parameters.get(),
    setParameters: (change) => store.parameters.update(change),
    close,
  };
}
