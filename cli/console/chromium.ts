// Debian's chromium driven by playwright-core (a dev dependency; no browser download): headless, with the flags that
// keep it off the network on a closed machine; playwright gives each launch a fresh, empty profile folder of its own.
// Used by the browser tests and `capf bench --only console`. `.ci/run` installs chromium when it is missing.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { CapfError } from '../../shared/errors.ts';

export const CHROMIUM = process.env.CAPF_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new CapfError(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CAPF_CHROMIUM)`, 'NO_CHROMIUM');
  const { chromium } = await import('playwright-core').catch((error: Error) => {
    throw new CapfError(`driving chromium needs the dev dependencies (npm ci): ${error.message}`, 'NO_PLAYWRIGHT');
  });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
