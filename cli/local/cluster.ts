// A cluster of listener processes for the local stack (`capf serve --workers N`, `capf bench`): every core runs a
// CapfListener. The primary owns the store (dynalite on <data>/db, advertised like `capf serve`) and the CAPF CA files;
// each worker process opens the CA files itself, talks to the primary's dynalite over its loopback HTTP endpoint and
// signs in-process with the issuer the registry builds from `--issuer` (its settings file is read by each worker). node:cluster shares the listening port: the primary accepts and hands each connection to the
// workers in turn (round-robin), so no SO_REUSEPORT is needed.
//
// Session ids stay unique across workers by striding: worker i of N (0-based) hands out i+1, i+1+N, i+1+2N, ... (mod
// 2^32, skipping 0), so no two workers ever give out the same id before the 32-bit field wraps. A worker that dies is
// replaced in the same place and counts from the start again, as a restarted single-process listener does.
import 'reflect-metadata';
import cluster, { type Worker } from 'node:cluster';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadLocalCa, loadOrCreateLocalCa, type LocalCa } from './ca-files.ts';
import { MAX_CLUSTER_WORKERS } from './cluster-limits.ts';
import type { LocalStackOptions } from './local-stack.ts';
import { capfTrustAnchors } from '../../listener/capf-trust.ts';
import { localSignClient, watchLocalCa } from './local-ca-runtime.ts';
import { localAdmin } from './local-admin.ts';
import { importTrustFolder } from './trust-folder-import.ts';
import { createDynamoClient, LOCAL_TABLE_NAME, openLocalStore } from './local-store.ts';
import { createLocalIssuer, DEFAULT_LOCAL_ISSUER, localBucketClient, localIssuerSettings, usesLocalBucket } from './local-issuer.ts';
import { startLocalCsrBucket, type LocalCsrBucket } from './local-csr-bucket.ts';
import { ConfigError } from '../../shared/errors.ts';
import { issuerDescriptor } from '../../shared/issuers/registry.ts';
import { createLogger, type LogLevel } from '../../shared/logging.ts';
import { createDynamoStores } from '../../shared/store/dynamo-stores.ts';
import type { Stores } from '../../shared/ports/index.ts';
import { CapfListener, type ListenerStats } from '../../listener/server.ts';
import { SessionCounter } from '../../listener/session-counter.ts';
import { errorText } from '../../listener/session-driver.ts';
import { BatchedAuditRecorder, sessionEndEvent } from '../../listener/session-audit.ts';
import { StoreSessionBackend } from '../../listener/store-backend.ts';
import { loadOrCreateAuthStringKey } from './auth-string-key.ts';
import { localMonitor } from './local-monitor.ts';
import { startMonitorTimer } from './monitor-timer.ts';
import { startLocalBulkTimer } from './bulk-timer.ts';
import { sendToWorker } from './worker-channel.ts';
import { timedStores, type StoreCallTiming } from './timed-stores.ts';

export type { StoreCallTiming } from './timed-stores.ts';

const WORKER_ENV = 'CAPF_CLUSTER_WORKER';
const START_TIMEOUT_MS = 60_000;
const REPORT_TIMEOUT_MS = 10_000;
const RESTART_DELAY_MS = 1_000;
/** A worker told to stop by a signal of its own gives its sessions this long. */
const ORPHAN_GRACE_MS = 5_000;

/** The local stack's options (maxSessions counts per worker), plus the cluster's own. */
export interface ListenerClusterOptions extends LocalStackOptions {
  workers: number;
  /** The workers' log level (their JSON lines go to the primary's stdout); default $CAPF_LOG_LEVEL, else info. */
  logLevel?: LogLevel;
  /** Count and time every store call in the workers (reported by `report()`); for `capf bench`. */
  timeStoreCalls?: boolean;
  /** Each worker writes a V8 CPU profile (.cpuprofile, for Chrome DevTools) into this folder when it stops. */
  cpuProfileDir?: string;
}

/** What a worker says about itself when asked. */
export interface WorkerReport {
  index: number;
  pid: number;
  rssBytes: number;
  cpuMicros: { user: number; system: number };
  listener: ListenerStats;
  storeCalls: Record<string, StoreCallTiming>;
}

export interface ListenerCluster {
  addresses: AddressInfo[];
  /** The primary's store (the same dynalite the workers use). */
  store: Stores;
  /** With `--issuer offline`: the CSR bucket (s3rver) the primary runs, with the import on its events; the workers
   *  write CSRs into it. */
  csrBucket?: LocalCsrBucket;
  storeEndpoint: string;
  ca: LocalCa;
  /** The workers listening now (a replacement appears once it has started). */
  workerPids(): number[];
  /** Asks every listening worker for its figures. */
  report(): Promise<WorkerReport[]>;
  /** Sessions open in all workers now (asked of each). */
  openSessions(): Promise<number>;
  /** Ends a running drain's grace in every worker: their open sessions are aborted with `reason`, recorded. */
  endGrace(reason: string): void;
  /** Drains every worker (sessions get `graceMs` to finish), then stops the store. */
  close(graceMs?: number): Promise<void>;
}

/** Listener settings passed through to every worker unchanged. */
const PASSED_TO_WORKERS = ['logLevel', 'issuer', 'minTlsVersion', 'messageTimeoutMs', 'keygenTimeoutMs', 'handshakeTimeoutMs', 'maxSessions', 'phoneNetworks'] as const;

type WorkerConfig = Partial<Pick<ListenerClusterOptions, (typeof PASSED_TO_WORKERS)[number]>> &
  Pick<ListenerClusterOptions, 'dataDir' | 'hosts' | 'port'> & { index: number; count: number; storeEndpoint: string; timeStoreCalls: boolean; bucketEndpoint?: string };

type ToWorker = { type: 'report'; id: number } | { type: 'drain'; graceMs: number } | { type: 'end-grace'; reason: string } | { type: 'reload-ca' };
type FromWorker =
  | { type: 'ready'; addresses: AddressInfo[] }
  | { type: 'failed'; message: string; code?: string; address?: string }
  | { type: 'report'; id: number; report: WorkerReport };

/** Node arguments for a child process that runs this checkout's TypeScript (the tsx loader, found from here). */
export function typeScriptExecArgv(): string[] {
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
}

/** The id a worker hands out for its `sequence`-th session (1-based): disjoint residues mod `stride`, never 0. */
export function stridedSessionId(sequence: number, offset: number, stride: number): number {
  return ((sequence - 1) * stride + offset + 1) % 0x1_0000_0000;
}

/** Session ids of one worker in a cluster of `stride` workers (see the file header). */
export class StridedSessionCounter extends SessionCounter {
  private sequence = 0;

  constructor(
    private readonly offset: number,
    private readonly stride: number,
  ) {
    super();
    if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(offset) || offset < 0 || offset >= stride) {
      throw new RangeError(`worker ${offset} of ${stride} is not a place in the cluster`);
    }
  }

  override next(): number {
    for (;;) {
      this.sequence = (this.sequence % 0x1_0000_0000) + 1;
      const id = stridedSessionId(this.sequence, this.offset, this.stride);
      if (id !== 0) return id;
    }
  }
}

export async function startListenerCluster(options: ListenerClusterOptions): Promise<ListenerCluster> {
  if (!cluster.isPrimary) throw new ConfigError('a listener cluster is started from the primary process', 'CLUSTER');
  if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > MAX_CLUSTER_WORKERS) {
    throw new ConfigError(`workers must be 1..${MAX_CLUSTER_WORKERS}, not ${options.workers}`, 'CLUSTER');
  }
  const choice = options.issuer ?? DEFAULT_LOCAL_ISSUER;
  await localIssuerSettings(choice); // a bad settings file stops the start here, not in N workers
  const first = await loadOrCreateLocalCa(options.dataDir, { keyType: options.caKeyType ?? 'rsa' });
  if (first.created) options.logger.info('generated the CAPF CA', { certificate: first.certificatePath });
  let ca: LocalCa = first;
  // Made here once, before the workers read it (each worker only reads it then).
  const authKey = await loadOrCreateAuthStringKey(options.dataDir);
  if (authKey.created) options.logger.info('generated the authentication string key', { file: authKey.path });
  const local = await openLocalStore(options.dataDir, { advertise: true });
  // The offline CA's bucket runs once, here, as the store does: its events run the import in this process, and the
  // workers reach it over loopback (as in the single-process stack, s3rver even when a settings file names a bucket).
  let csrBucket: LocalCsrBucket | undefined;
  try {
    if (choice.kind === 'offline') {
      csrBucket = await startLocalCsrBucket({
        dataDir: options.dataDir,
        stores: local.store,
        logger: options.logger,
        trustAnchors: capfTrustAnchors({ trust: local.store.trust, capfCertificates: () => [ca.certificateDer], logger: options.logger }),
        audit: options.audit ?? local.store.audit,
        ...(options.bucketPort !== undefined ? { port: options.bucketPort } : {}),
      });
    }
    await importTrustFolder(options.dataDir, localAdmin(options.dataDir, local.store).trust, options.logger);
  } catch (error) {
    await csrBucket?.close();
    await local.close();
    throw error;
  }
  const profiling = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
  cluster.setupPrimary({ exec: fileURLToPath(import.meta.url), execArgv: [...typeScriptExecArgv(), ...profiling] });

  const workers = new Map<number, Worker>(); // every forked worker, by index
  const serving = new Set<Worker>(); // the ones that said they are listening (a booting one would not hear a message)
  const pendingReports = new Map<number, (report: WorkerReport) => void>();
  let nextReportId = 1;
  let closing = false;

  const fork = (index: number): Promise<AddressInfo[]> => {
    const config: WorkerConfig = {
      index,
      count: options.workers,
      dataDir: options.dataDir,
      storeEndpoint: local.endpoint,
      hosts: options.hosts,
      port: options.port, // with port 0 too, node:cluster gives every worker the port the first one got
      timeStoreCalls: options.timeStoreCalls ?? false,
      ...(csrBucket && usesLocalBucket(choice) ? { bucketEndpoint: csrBucket.endpoint } : {}),
      ...pick(options, PASSED_TO_WORKERS),
    };
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(config) });
    workers.set(index, worker);
    worker.on('message', (message: FromWorker) => {
      if (message.type !== 'report') return;
      pendingReports.get(message.id)?.(message.report);
      pendingReports.delete(message.id);
    });
    let ready = false;
    // A drained worker exits: from the moment its channel closes it can answer no report, so it no longer counts.
    worker.on('disconnect', () => serving.delete(worker));
    worker.on('exit', (code, signal) => {
      serving.delete(worker);
      if (workers.get(index) !== worker) return;
      workers.delete(index);
      if (closing || !ready) return; // one that never started is not restarted: it would only fail again
      options.logger.error('listener worker stopped; starting another', { index, pid: worker.process.pid, code, signal });
      setTimeout(() => {
        if (closing) return;
        fork(index).catch((error: Error) => options.logger.error('listener worker did not restart', { index, reason: error.message }));
      }, RESTART_DELAY_MS);
    });
    return new Promise((resolve, reject) => {
      const fail = (why: string, cause?: { code?: string; address?: string }) => {
        if (ready) return;
        clearTimeout(timer);
        worker.process.kill('SIGKILL');
        // A bind error keeps its errno code and address, so `capf serve` says what to do as with one process.
        const bindError = cause?.code?.startsWith('E') ? Object.assign(new Error(why), { code: cause.code, ...(cause.address ? { address: cause.address } : {}) }) : undefined;
        reject(bindError ?? new ConfigError(`listener worker ${index} did not start: ${why}`, 'CLUSTER'));
      };
      const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      worker.once('exit', (code) => fail(`it exited with code ${code}`));
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'failed') fail(message.message, message);
        if (message.type !== 'ready' || ready) return;
        ready = true;
        serving.add(worker);
        clearTimeout(timer);
        resolve(message.addresses);
      });
    });
  };

  const stopWorkers = async (graceMs: number): Promise<void> => {
    closing = true;
    const exits = [...workers.values()].map((worker) => new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once('exit', () => resolve()))));
    for (const worker of workers.values()) {
      if (serving.has(worker)) send(worker, { type: 'drain', graceMs });
      else worker.process.kill('SIGTERM'); // still booting: it holds no session
    }
    const hardStop = setTimeout(() => {
      for (const worker of workers.values()) worker.process.kill('SIGKILL');
    }, graceMs + 10_000);
    await Promise.all(exits);
    clearTimeout(hardStop);
  };

  let addresses: AddressInfo[];
  try {
    addresses = await fork(0); // the first worker binds (port 0: a free one); the others join its ports
    await Promise.all(Array.from({ length: options.workers - 1 }, (_, i) => fork(i + 1)));
  } catch (error) {
    await stopWorkers(0);
    await csrBucket?.close();
    await local.close();
    throw error;
  }

  // F22/F4: a replaced capf-ca.pem/capf-ca.key applies without a restart, in every worker.
  const stopWatching = watchLocalCa(options.dataDir, options.logger, () => ca, (next) => {
    ca = next;
    for (const worker of serving) send(worker, { type: 'reload-ca' });
  });

  // The expiry monitor runs once, in the primary (it owns the store), as in the single-process stack.
  const monitorTimer = options.expiryMonitor ? startMonitorTimer(() => localMonitor({ dataDir: options.dataDir, stores: local.store, ca }), options.logger) : undefined;
  // Due bulk jobs (issue 14) run here too, with the monitor's timers.
  const bulkTimer = options.expiryMonitor ? startLocalBulkTimer(options.dataDir, local.store, options.logger) : undefined;

  // Every serving worker's report. One that exits meanwhile (a drained worker does, at once when it holds no
  // session) is left out: it has nothing to count, and waiting for it would only run into the timeout.
  const report = async (): Promise<WorkerReport[]> => {
    const answers = await Promise.all(
      [...serving]
        .filter((worker) => worker.isConnected())
        .map(
          (worker) =>
            new Promise<WorkerReport | undefined>((resolve, reject) => {
              const id = nextReportId++;
              const cleanUp = (): void => {
                clearTimeout(timer);
                pendingReports.delete(id);
                worker.off('disconnect', gone);
              };
              const settle = (answer: WorkerReport | undefined): void => {
                cleanUp();
                resolve(answer);
              };
              const gone = (): void => settle(undefined);
              const timer = setTimeout(() => {
                cleanUp();
                reject(new ConfigError(`listener worker ${worker.process.pid} did not report within ${REPORT_TIMEOUT_MS} ms`, 'CLUSTER'));
              }, REPORT_TIMEOUT_MS);
              pendingReports.set(id, settle);
              worker.once('disconnect', gone);
              send(worker, { type: 'report', id }, gone);
            }),
        ),
    );
    return answers.filter((answer): answer is WorkerReport => answer !== undefined);
  };

  return {
    addresses,
    store: local.store,
    ...(csrBucket ? { csrBucket } : {}),
    storeEndpoint: local.endpoint,
    get ca() {
      return ca;
    },
    workerPids: () => [...serving].map((worker) => worker.process.pid ?? 0),
    report,
    openSessions: async () => (await report()).reduce((sum, worker) => sum + worker.listener.active, 0),
    endGrace(reason) {
      for (const worker of serving) send(worker, { type: 'end-grace', reason });
    },
    async close(graceMs = 5_000) {
      stopWatching();
      await monitorTimer?.stop();
      await bulkTimer?.stop();
      await stopWorkers(graceMs);
      await csrBucket?.close();
      await local.close();
    },
  };
}

function send(worker: Worker, message: ToWorker, onGone?: () => void): void {
  sendToWorker(worker, message, onGone);
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

async function runWorker(config: WorkerConfig): Promise<void> {
  const logger = createLogger('capf-listener', config.logLevel);
  let ca: LocalCa = await loadLocalCa(config.dataDir);
  const choice = config.issuer ?? DEFAULT_LOCAL_ISSUER;
  const settings = await localIssuerSettings(choice);
  const timings = new Map<string, StoreCallTiming>();
  const dynamo = createDynamoStores({ client: createDynamoClient(config.storeEndpoint), tableName: LOCAL_TABLE_NAME });
  const store = config.timeStoreCalls ? timedStores(dynamo, timings) : dynamo;
  // The offline issuer writes into the primary's bucket; every issuer may leave requests pending in the store.
  const issuerExtra = { pendingCsrs: store.csrs, ...(config.bucketEndpoint ? { clients: { s3: localBucketClient(config.bucketEndpoint) } } : {}) };
  let signClient = localSignClient(store, await createLocalIssuer(choice.kind, settings, store.trust, ca, issuerExtra));
  const recorder = new BatchedAuditRecorder(store.audit, { logger });
  const listener = new CapfListener({
    hosts: config.hosts,
    port: config.port,
    tls: ca,
    backend: new StoreSessionBackend({
      stores: store,
      signClient: { sign: (request) => signClient.sign(request) },
      trustAnchors: capfTrustAnchors({ trust: store.trust, capfCertificates: () => [ca.certificateDer], logger }),
      authStringKey: (await loadOrCreateAuthStringKey(config.dataDir)).key, // made by the primary
      issuer: { name: choice.kind, keyDelivery: issuerDescriptor(choice.kind).keyDelivery },
      ownLscIssuers: () => [ca.certificateDer],
    }),
    logger,
    audit: recorder,
    onSessionEnd: (summary) => void recorder.record(sessionEndEvent(summary)),
    counter: new StridedSessionCounter(config.index, config.count),
    ...pick(config, ['minTlsVersion', 'messageTimeoutMs', 'keygenTimeoutMs', 'handshakeTimeoutMs', 'maxSessions', 'phoneNetworks'] as const),
  });
  const addresses = await listener.start();
  let draining = false;
  const drain = (graceMs: number): void => {
    if (draining) return;
    draining = true;
    listener
      .drain(graceMs)
      .then(() => recorder.flush())
      .finally(() => process.exit(0));
  };
  process.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'report': {
        const cpu = process.cpuUsage();
        const report: WorkerReport = {
          index: config.index,
          pid: process.pid,
          rssBytes: process.memoryUsage.rss(),
          cpuMicros: { user: cpu.user, system: cpu.system },
          listener: { ...listener.stats },
          storeCalls: Object.fromEntries(timings),
        };
        process.send?.({ type: 'report', id: message.id, report } satisfies FromWorker);
        return;
      }
      case 'reload-ca':
        loadLocalCa(config.dataDir)
          .then(async (next) => ({ next, issuer: await createLocalIssuer(choice.kind, settings, store.trust, next, issuerExtra) }))
          .then(
            ({ next, issuer }) => {
              ca = next;
              signClient = localSignClient(store, issuer);
              listener.reloadTls(next);
              logger.info('CAPF certificate reloaded', { certificate: next.certificatePath });
            },
            (error: unknown) => logger.warn('CAPF certificate not reloaded', { reason: errorText(error) }),
          );
        return;
      case 'drain':
        drain(message.graceMs);
        return;
      case 'end-grace':
        listener.endGrace(message.reason);
        return;
    }
  });
  // Ctrl-C reaches the whole process group: the primary decides, and tells each worker to drain.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => drain(ORPHAN_GRACE_MS));
  // The primary is gone (killed): so is the store it held, and nothing a session did could be recorded. End at once,
  // as a single-process stack killed the same way does: phones see the connection close, devices stay as last written.
  process.on('disconnect', () => process.exit(1));
  process.send?.({ type: 'ready', addresses } satisfies FromWorker);
}

const workerConfig = cluster.isWorker ? process.env[WORKER_ENV] : undefined;
if (workerConfig !== undefined) {
  runWorker(JSON.parse(workerConfig) as WorkerConfig).catch((error: Error) => {
    const { code, address } = error as NodeJS.ErrnoException & { address?: string };
    process.send?.({ type: 'failed', message: error.message, ...(typeof code === 'string' ? { code } : {}), ...(typeof address === 'string' ? { address } : {}) } satisfies FromWorker, () => process.exit(1));
    if (!process.send) process.exit(1);
  });
}
