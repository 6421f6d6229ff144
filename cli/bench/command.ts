// `capf bench [--phones 200] [--only issuance,ec,idle,store,bundles,monitor,console,bulk] [--out bench/results.json]`: measures the local
// stack on this machine, prints a table and writes the figures as JSON.
import { InvalidArgumentError, type Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MAX_CLUSTER_WORKERS } from '../local/cluster-limits.ts';
import { integer } from '../options.ts';
import { BENCH_SECTIONS, type BenchSection } from './sections.ts';

export function parseSections(value: string): BenchSection[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  const unknown = names.filter((name) => !(BENCH_SECTIONS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`must be a comma-separated list of ${BENCH_SECTIONS.join(', ')}`);
  return [...new Set(names)] as BenchSection[];
}

interface BenchCommandOptions {
  phones: number;
  only: BenchSection[];
  out: string;
  workers?: number;
  idleConnections: number;
  cpuProf?: string;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure issuance (RSA, EC), idle connections, the store, the function bundles, the expiry monitor, the console and bulk jobs on this machine')
    .option('--phones <n>', 'phones enrolling at once', integer(1, 5_000), 200)
    .option('--only <sections>', `comma-separated: ${BENCH_SECTIONS.join(',')}`, parseSections, [...BENCH_SECTIONS])
    .option('--out <file>', 'where the JSON results go', 'bench/results.json')
    .option('--workers <n>', 'listener processes (default: one per core)', integer(1, MAX_CLUSTER_WORKERS))
    .option('--idle-connections <n>', 'connections parked for the idle figure', integer(1, 15_000), 10_000)
    .option('--cpu-prof <dir>', 'the listener workers write V8 CPU profiles (.cpuprofile) into this folder')
    .action(async (options: BenchCommandOptions) => {
      const [{ runBench }, { formatTable }] = await Promise.all([import('./run-bench.ts'), import('./results.ts')]);
      const cpuProfile = options.cpuProf === undefined ? undefined : resolve(options.cpuProf);
      const results = await runBench({ ...options, cpuProfile }, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`${formatTable(results)}\n`);
      const out = resolve(options.out);
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
      process.stdout.write(`results written to ${out}\n`);
      if (results.failures) process.exitCode = 1;
    });
}
