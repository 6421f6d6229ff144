// The one way this project turns TypeScript into what AWS runs: esbuild, run locally at synth (never in Docker), with
// the settings below. The Lambda functions and the listener image both bundle through here (as CDK local bundling, see
// `localBundling`), and `capf bench --only bundles` measures exactly these bundles.
//
// Why the AWS SDK is inside the bundles instead of taken from the Lambda runtime: the runtime's SDK is a tree of
// CommonJS packages that Node resolves, reads and lexes file by file at import; that alone took ~150 ms of the sign
// function's cold import here. Bundled as ESM, only the parts the code uses are there, in a few files, at the versions
// the tests ran. Functions are split into chunks so code that only some invocations need (the other CA backends'
// clients, credential providers other than the environment's) is not even parsed at a cold start.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';

/** CommonJS dependencies bundled into ESM still call require(); give every output file one. */
export const REQUIRE_SHIM = "import { createRequire as capfCreateRequire } from 'node:module'; const require = capfCreateRequire(import.meta.url);";

/** What a bundle is for: a Lambda function (split into lazily loaded chunks) or the listener image (one file). */
export type BundleKind = 'function' | 'listener';

/** The listener image's entry and its Dockerfile, relative to the repository root. */
export const LISTENER_ENTRY = 'listener/main.ts';
export const LISTENER_DOCKERFILE = 'listener/Dockerfile';

/** The file every bundle starts at: Lambda's handler `index.handler`, the image's `node index.mjs`. */
export const BUNDLE_ENTRY_FILE = 'index.mjs';

export function esbuildOptions(repoRoot: string, entry: string, outdir: string, kind: BundleKind): BuildOptions {
  return {
    absWorkingDir: repoRoot,
    entryPoints: { index: resolve(repoRoot, entry) },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Node 22 in production; the output also runs on the Node 20 of the development machines and CI.
    target: 'node22',
    minify: true,
    // Stack traces in the logs name the repository's files and lines (NODE_OPTIONS=--enable-source-maps); the sources
    // themselves are in the repository, so the maps do not carry them (half the size, less to parse at start).
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    splitting: kind === 'function',
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'silent',
  };
}

/**
 * Bundles `entry` (relative to `repoRoot`) into `outdir` (an empty or new directory): `index.mjs`, its source map and, for a
 * function, the chunks it loads. For the listener, the Dockerfile is copied beside it: the directory is the image's
 * whole build context. Returns esbuild's metafile (what went into which file, and which imports are dynamic).
 */
export function bundle(repoRoot: string, entry: string, outdir: string, kind: BundleKind): Metafile {
  if (!existsSync(resolve(repoRoot, entry))) throw new Error(`cannot bundle ${entry}: no such file under ${repoRoot}`);
  mkdirSync(outdir, { recursive: true });
  const result = buildSync(esbuildOptions(repoRoot, entry, outdir, kind));
  if (result.errors.length > 0) throw new Error(`esbuild failed on ${entry}: ${result.errors.map((error) => error.text).join('; ')}`);
  if (kind === 'listener') copyFileSync(join(repoRoot, LISTENER_DOCKERFILE), join(outdir, 'Dockerfile'));
  return result.metafile as Metafile;
}

/** The CMD of a Dockerfile, in exec form (e.g. `["node", "index.mjs"]`): what the image runs. */
export function dockerfileCommand(dockerfile: string): string[] {
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(readFileSync(dockerfile, 'utf8'))?.[1];
  if (!cmd) throw new Error(`${dockerfile} has no CMD in exec form`);
  return JSON.parse(cmd) as string[];
}

/** Output files (relative to `outdir`) that importing the entry loads at once: it and what it imports statically. */
export function eagerFiles(metafile: Metafile, repoRoot: string, outdir: string): string[] {
  const key = (file: string) => relative(outdir, resolve(repoRoot, file));
  const outputs = new Map(Object.entries(metafile.outputs).map(([file, output]) => [key(file), output]));
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of outputs.get(file)?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(key(imported.path));
    }
  };
  visit(BUNDLE_ENTRY_FILE);
  return [...seen];
}

/**
 * CDK local bundling (the `local` of an asset's BundlingOptions) through `bundle`. Its fields are what CDK's asset
 * cache key sees, so two functions bundled from the same source directory never share a bundle.
 */
export class EsbuildLocalBundling {
  constructor(
    readonly repoRoot: string,
    readonly entry: string,
    readonly kind: BundleKind,
  ) {}

  tryBundle(outputDir: string): boolean {
    bundle(this.repoRoot, this.entry, outputDir, this.kind);
    return true;
  }
}
