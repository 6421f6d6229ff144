// The console's page: one HTML shell with no inline script or style, the client bundle (cli/console/client, built by
// esbuild at start, in memory: esbuild comes with the package's own dependencies through tsx) and its stylesheet.
// Nothing is fetched from anywhere else.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CapfError } from '../../shared/errors.ts';
import type { ConsoleAssets } from './server.ts';

const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));

export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>capf console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="brand">capf console</span>
<nav aria-label="Sections" id="nav"></nav>
<span class="target" id="target"></span>
</header>
<main id="main" tabindex="-1"><p>Loading…</p></main>
<noscript><p>The capf console needs JavaScript.</p></noscript>
</body>
</html>
`;

/** The client bundle, minified: its bytes are what `capf bench --only console` reports. */
export async function buildClientBundle(): Promise<Buffer> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new CapfError(`the console's client is built with esbuild, which is not installed (npm ci): ${(error as Error).message}`, 'NO_ESBUILD');
  }
  const result = await esbuild.build({
    entryPoints: [`${CLIENT_DIR}main.ts`],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    platform: 'browser',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new CapfError('esbuild produced no console bundle', 'CONSOLE_BUILD');
  return Buffer.from(file.contents);
}

export async function loadConsoleAssets(): Promise<ConsoleAssets> {
  const [script, style] = await Promise.all([buildClientBundle(), readFile(`${CLIENT_DIR}app.css`)]);
  return {
    html: CONSOLE_HTML,
    files: new Map([
      ['/assets/app.js', { type: 'text/javascript; charset=utf-8', body: script }],
      ['/assets/app.css', { type: 'text/css; charset=utf-8', body: style }],
    ]),
  };
}
