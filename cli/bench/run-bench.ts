// The bench run: one load process for every section, the sections in the order asked, and results checked against
// their schema. Kept apart from the command so `capf` loads none of this unless `capf bench` runs.
import { createLogger } from '../../shared/logging.ts';
import { benchBundles } from './bundle-bench.ts';
import { benchIdle } from './idle-bench.ts';
import { benchIssuance } from './issuance-bench.ts';
import { LoadProcess } from './load-client.ts';
import { benchResultsSchema, loadAverage, machineInfo, type BenchResults } from './results.ts';
import type { BenchSection } from './sections.ts';
import { benchMonitor } from './monitor-bench.ts';
import { benchBulk } from './bulk-bench.ts';
import { benchConsole } from './console-bench.ts';
import { benchStore } from './store-bench.ts';

export interface BenchOptions {
  phones: number;
  only: BenchSection[];
  /** Listener processes; default one per core. */
  workers?: number;
  idleConnections: number;
  /** Listener workers write CPU profiles here. */
  cpuProfile?: string;
}

export async function runBench(options: BenchOptions, progress: (line: string) => void): Promise<BenchResults> {
  const machine = machineInfo();
  const workers = options.workers ?? machine.cpus;
  const logger = createLogger('capf-bench', 'warn');
  const loadAtStart = loadAverage();
  const results: Omit<BenchResults, 'finishedAt' | 'loadAverage'> = {
    schema: 1,
    startedAt: new Date().toISOString(),
    machine,
    options: { phones: options.phones, idleConnections: options.idleConnections, workers, only: options.only },
  };
  const load = LoadProcess.start();
  try {
    await load.usage(); // the load process has booted (and compiled its TypeScript) before anything is timed
    const common = { phones: options.phones, workers, cores: machine.cpus, load, logger, cpuProfileDir: options.cpuProfile };
    for (const section of options.only) {
      const started = performance.now();
      progress(`capf bench: ${section}...`);
      try {
        if (section === 'issuance') results.issuance = await benchIssuance({ ...common, keyType: 'rsa' });
        if (section === 'ec') results.ec = await benchIssuance({ ...common, keyType: 'ec' });
        if (section === 'idle') results.idle = await benchIdle({ ...common, connections: options.idleConnections });
        if (section === 'store') results.store = await benchStore({ load });
        if (section === 'bundles') results.bundles = await benchBundles(progress);
        if (section === 'monitor') results.monitor = await benchMonitor(progress);
        if (section === 'console') results.console = await benchConsole(progress);
        if (section === 'bulk') results.bulk = await benchBulk({ load }, progress);
        progress(`capf bench: ${section} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        // One section failing (a file descriptor limit, a missing dev dependency) still leaves the others' figures.
        const reason = error instanceof Error ? error.message : String(error);
        results.failures = { ...results.failures, [section]: reason };
        progress(`capf bench: ${section} FAILED: ${reason}`);
      }
    }
  } finally {
    await load.stop();
  }
  return benchResultsSchema.parse({ ...results, finishedAt: new Date().toISOString(), loadAverage: { start: loadAtStart, end: loadAverage() } });
}
