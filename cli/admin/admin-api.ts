// The admin API as the newer admin commands (`capf template`, `capf bulk`, `capf device import|export`) use it: the
// API named by --endpoint / $CAPF_ENDPOINT or advertised by a running `capf serve`; with neither, the same router run
// in this process over the data folder's store (actor `local`), so every command behaves alike in both cases.
import { prepareDataDir } from '../data-folder.ts';
import { defaultDataDir } from '../options.ts';
import { failure } from './api-target.ts';
import type { ApiAnswer, ApiCall, ApiTransport } from './api-transport.ts';
import { openApiTransport, type TargetOptions } from './open-target.ts';

export interface AdminApi {
  readonly description: string;
  /** The answer when its status is one of `accept` (default 200), else the CLI error it means. */
  call<T>(call: ApiCall, accept?: number[]): Promise<T>;
  send(call: ApiCall): Promise<ApiAnswer>;
  close(): Promise<void>;
}

async function inProcess(dataDir: string): Promise<{ transport: ApiTransport; close: () => Promise<void> }> {
  await prepareDataDir(dataDir);
  // Loaded here, not at the top: `capf --help` must not load the store or the logger (test/e2e/cli-startup.test.ts).
  const [{ openLocalStore }, { localAdminRouter, LOCAL_ACTOR }, { createLogger }, { BackgroundBulkRuns }] = await Promise.all([
    import('../local/local-store.ts'),
    import('../local/admin-server.ts'),
    import('../../shared/logging.ts'),
    import('../local/bulk-timer.ts'),
  ]);
  const local = await openLocalStore(dataDir);
  const logger = createLogger('capf-cli', 'error');
  // A bulk job created to run now runs in this process, and the command waits for it before it closes the store.
  const bulkRuns = new BackgroundBulkRuns(logger);
  const router = localAdminRouter({ dataDir, stores: local.store, logger, bulkRuns });
  const transport: ApiTransport = {
    description: `data folder ${dataDir}`,
    async send(call) {
      const query: Record<string, string> = {};
      for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined) query[key] = value;
      const answer = await router.handle({
        method: call.method,
        path: call.path,
        query,
        headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        principal: LOCAL_ACTOR,
      });
      return { status: answer.status, body: answer.body };
    },
  };
  return {
    transport,
    close: async () => {
      await bulkRuns.drain();
      await local.close();
    },
  };
}

export async function openAdminApi(opts: TargetOptions): Promise<AdminApi> {
  const remote = await openApiTransport(opts);
  const { transport, close } = remote ? { transport: remote, close: async () => {} } : await inProcess(opts.data ?? defaultDataDir());
  return {
    description: transport.description,
    send: (call) => transport.send(call),
    async call<T>(call: ApiCall, accept = [200]): Promise<T> {
      const answer = await transport.send(call);
      if (!accept.includes(answer.status)) throw failure(answer, transport.description);
      return answer.body as T;
    },
    close,
  };
}

export async function withAdminApi<T>(opts: TargetOptions, work: (api: AdminApi) => Promise<T>): Promise<T> {
  const api = await openAdminApi(opts);
  try {
    return await work(api);
  } finally {
    await api.close();
  }
}
