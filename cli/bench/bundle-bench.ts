// The bundles the project ships, built exactly as `cdk synth` builds them (infra/bundling.ts): every function in
// infra/functions.ts and the listener image's bundle. For a function: what a cold start loads (the entry and the
// chunks it imports statically), everything in the bundle, and the time a fresh `node` takes to import it, with the
// NODE_OPTIONS the function runs with, from a folder with no node_modules above it (as in the Lambda zip). For the
// listener: its size and its start to healthy as a process against moto_server (listener-start.ts).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CapfError } from '../../shared/errors.ts';
import { benchListenerStart } from './listener-start.ts';
import type { BundleFigures } from './results.ts';
import { percentile, round } from './statistics.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMPORT_RUNS = 7;
const IMPORT_TIMEOUT_MS = 30_000;
/** What infra/constructs/capf-function.ts sets for every function. */
const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

export async function benchBundles(progress: (line: string) => void = () => undefined): Promise<BundleFigures[]> {
  // Loaded only when bundles are measured: esbuild is a dev dependency.
  const [{ bundle, eagerFiles, LISTENER_ENTRY }, { FUNCTIONS }] = await Promise.all([import('../../infra/bundling.ts'), import('../../infra/functions.ts')]).catch((error: Error) => {
    throw new CapfError(`bundling needs the dev dependencies (npm ci): ${error.message}`, 'BENCH_BUNDLES');
  });
  const outRoot = await mkdtemp(join(tmpdir(), 'capf-bench-bundles-'));
  const figures: BundleFigures[] = [];
  try {
    for (const spec of FUNCTIONS) {
      const dir = join(outRoot, spec.id);
      const metafile = bundle(REPO_ROOT, spec.entry, dir, 'function');
      const times: number[] = [];
      for (let i = 0; i < IMPORT_RUNS; i++) times.push(await importTimeMs(join(dir, 'index.mjs')));
      times.sort((a, b) => a - b);
      figures.push({
        function: spec.id,
        bytes: await totalBytes(dir, eagerFiles(metafile, REPO_ROOT, dir)),
        totalBytes: await totalBytes(dir),
        importMs: { median: round(percentile(times, 50), 1), min: round(times[0] as number, 1), max: round(times.at(-1) as number, 1) },
        runs: IMPORT_RUNS,
      });
    }
    const listenerDir = join(outRoot, 'listener');
    bundle(REPO_ROOT, LISTENER_ENTRY, listenerDir, 'listener');
    const size = await totalBytes(listenerDir);
    const listener: BundleFigures = { function: 'listener', bytes: size, totalBytes: size, runs: 0 };
    try {
      Object.assign(listener, await benchListenerStart(listenerDir));
    } catch (error) {
      listener.startNotMeasured = error instanceof Error ? error.message : String(error);
      progress(`capf bench: listener start not measured: ${listener.startNotMeasured}`);
    }
    figures.push(listener);
  } finally {
    await rm(outRoot, { recursive: true, force: true });
  }
  return figures;
}

/** Bytes of the bundle's JavaScript (source maps excluded): of `files` if given, else of every .mjs file. */
async function totalBytes(dir: string, files?: string[]): Promise<number> {
  const names = files ?? (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.mjs'));
  let bytes = 0;
  for (const name of names) bytes += (await stat(join(dir, name))).size;
  return bytes;
}

/** Milliseconds from just before `import()` to its completion, in a new node process (so nothing is cached). */
async function importTimeMs(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    timeout: IMPORT_TIMEOUT_MS,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NODE_OPTIONS: FUNCTION_NODE_OPTIONS },
  });
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms)) throw new RangeError(`importing ${file} printed ${JSON.stringify(stdout.slice(0, 200))}`);
  return ms;
}
