// Which service the admin commands act on. Without an endpoint: the data folder (found as git finds .git, see
// options.ts), through the running stack's store when it runs, else opened by this process.
import { prepareDataDir } from '../data-folder.ts';
import { defaultDataDir } from '../options.ts';
import type { AdminTarget } from './target.ts';

export interface TargetOptions {
  data?: string;
}

export async function openTarget(opts: TargetOptions): Promise<AdminTarget> {
  const dataDir = opts.data ?? defaultDataDir();
  await prepareDataDir(dataDir);
  const { openStoreTarget } = await import('./store-target.ts');
  return openStoreTarget(dataDir);
}

export async function withTarget<T>(opts: TargetOptions, work: (target: AdminTarget) => Promise<T>): Promise<T> {
  const target = await openTarget(opts);
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}
