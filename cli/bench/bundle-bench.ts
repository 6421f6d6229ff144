// Function bundles: each functions/<name>/handler.ts bundled by esbuild the way the CDK construct does it (ESM, node22,
// minified, @aws-sdk/* external, the createRequire banner), its size, and the time a fresh `node` takes to import it.
// The bundles go under node_modules/.cache so the external @aws-sdk/* packages resolve, as the Lambda runtime's do.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CapfError } from '../../shared/errors.ts';
import type { BundleFigures } from './results.ts';
import { percentile, round } from './statistics.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMPORT_RUNS = 5;
const IMPORT_TIMEOUT_MS = 30_000;
/** The same banner as infra/constructs/capf-function.ts: CommonJS dependencies bundled into ESM still call require(). */
const BANNER = "import { createRequire as capfCreateRequire } from 'node:module'; const require = capfCreateRequire(import.meta.url);";

export async function benchBundles(): Promise<BundleFigures[]> {
  const { build } = await import('esbuild').catch((error: Error) => {
    throw new CapfError(`bundling needs the dev dependency esbuild (npm ci): ${error.message}`, 'BENCH_BUNDLES');
  }); // loaded only when bundles are measured
  const functionsDir = join(REPO_ROOT, 'functions');
  const outRoot = join(REPO_ROOT, 'node_modules', '.cache', 'capf-bench-bundles');
  await rm(outRoot, { recursive: true, force: true });
  const names = (await readdir(functionsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const figures: BundleFigures[] = [];
  for (const name of names) {
    const entry = join(functionsDir, name, 'handler.ts');
    const outfile = join(outRoot, name, 'index.mjs');
    await mkdir(join(outRoot, name), { recursive: true });
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minify: true,
      mainFields: ['module', 'main'],
      banner: { js: BANNER },
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    const times: number[] = [];
    for (let i = 0; i < IMPORT_RUNS; i++) times.push(await importTimeMs(outfile));
    times.sort((a, b) => a - b);
    figures.push({
      function: name,
      bytes: (await stat(outfile)).size,
      importMs: { median: round(percentile(times, 50), 1), min: round(times[0] as number, 1), max: round(times.at(-1) as number, 1) },
      runs: IMPORT_RUNS,
    });
  }
  await rm(outRoot, { recursive: true, force: true });
  return figures;
}

/** Milliseconds from just before `import()` to its completion, in a new node process (so nothing is cached). */
async function importTimeMs(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    timeout: IMPORT_TIMEOUT_MS,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NODE_OPTIONS: '' },
  });
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms)) throw new RangeError(`importing ${file} printed ${JSON.stringify(stdout.slice(0, 200))}`);
  return ms;
}
