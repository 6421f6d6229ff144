// The console: its client bundle's size (minified, and gzipped as a browser may fetch it: the console itself sends it
// as is) and the time to first render of the devices page with 10,000 devices on the local stack, in Debian's chromium:
// from the navigation's start to the first page of devices on the screen (a performance mark the page sets), median of
// several loads in fresh tabs. Goals (issue 15): bundle < 300 kB, first render < 1 s.
import { gzipSync } from 'node:zlib';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../shared/logging.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import { bearerTransport } from '../admin/api-transport.ts';
import { loadConsoleAssets } from '../console/assets.ts';
import { launchChromium } from '../console/chromium.ts';
import { startConsole } from '../console/server.ts';
import { loadOrCreateAdminToken, startLocalAdminApi } from '../local/admin-server.ts';
import { startDynalite } from '../local/dynalite.ts';
import { createDynamoClient, LOCAL_TABLE_NAME } from '../local/local-store.ts';
import { percentile, round } from './statistics.ts';

export const CONSOLE_BENCH_DEVICES = 10_000;
const RUNS = 7;
const WRITERS = 16;

export interface ConsoleFigures {
  bundleBytes: number;
  bundleGzipBytes: number;
  devices: number;
  firstRenderMs: { median: number; min: number; max: number };
  runs: number;
}

export async function benchConsole(progress: (line: string) => void): Promise<ConsoleFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'capf-bench-console-'));
  const dynalite = await startDynalite();
  const client = createDynamoClient(dynalite.endpoint);
  const logger = createLogger('capf-bench', 'warn');
  const closers: (() => Promise<void>)[] = [];
  try {
    await ensureTable(client, LOCAL_TABLE_NAME);
    const stores = createDynamoStores({ client, tableName: LOCAL_TABLE_NAME });
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = next++; i < CONSOLE_BENCH_DEVICES; i = next++) {
          const name = `SEP${(0x00c0de000000 + i).toString(16).toUpperCase().padStart(12, '0')}`;
          await stores.devices.put({ name, operation: i % 3 === 0 ? 'install' : 'none', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' });
          if (i % 2_500 === 0) progress(`capf bench: console: ${i} of ${CONSOLE_BENCH_DEVICES} devices written`);
        }
      }),
    );
    const api = await startLocalAdminApi({ dataDir, stores, port: 0, logger });
    closers.push(() => api.close());
    const assets = await loadConsoleAssets();
    const bundle = assets.files.get('/assets/app.js')!.body;
    const server = await startConsole({ transport: bearerTransport(new URL(api.url), await loadOrCreateAdminToken(dataDir)), assets, port: 0, local: true });
    closers.push(() => server.close());
    const browser = await launchChromium();
    closers.push(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const first = await context.newPage();
    await first.goto(server.url); // the session cookie; the browser's own first start is not counted
    await first.close();
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const page = await context.newPage();
      await page.goto(`${server.origin}/#/devices`);
      await page.locator('main table tbody tr').first().waitFor();
      times.push(await page.evaluate<number>("performance.getEntriesByName('capf:devices-rendered')[0].startTime"));
      await page.close();
    }
    times.sort((a, b) => a - b);
    return {
      bundleBytes: bundle.length,
      bundleGzipBytes: gzipSync(bundle).length,
      devices: CONSOLE_BENCH_DEVICES,
      firstRenderMs: { median: round(percentile(times, 50), 1), min: round(times[0]!, 1), max: round(times.at(-1)!, 1) },
      runs: RUNS,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    client.destroy();
    await dynalite.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
