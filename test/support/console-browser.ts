// The console's browser tests' stack: a real `capf serve` on a temporary data folder, a real `capf console` on it
// (port 0), Debian's chromium through playwright-core with a context holding the session cookie (as an administrator
// gets it from the printed URL), pages that collect console errors, and screenshots at 1280 px and 390 px wide.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium } from '../../cli/console/chromium.ts';
import { ADMIN_TOKEN_FILE } from '../../cli/local/admin-server.ts';
import { CAPF, startServe, type ServeProcess } from './capf-process.ts';

export const SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');

export interface ConsoleStack {
  env: NodeJS.ProcessEnv;
  serve: ServeProcess;
  /** The URL `capf console` printed (with the session token). */
  consoleUrl: string;
  origin: string;
  browser: Browser;
  /** A context with the session cookie, in Asia/Seoul and en-GB (so local time differs from UTC). */
  context: BrowserContext;
  /** Errors the pages opened with openPage logged (a test expecting one removes it). */
  consoleErrors: string[];
  openPage(): Promise<Page>;
  /** Calls the local admin API directly (bearer token of the data folder), for setting up data. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

function startConsoleProcess(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CAPF, 'console', '--port', '0', '--data', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(output);
      if (found) resolve({ child, url: found[1]! });
    });
    child.once('exit', (code) => reject(new Error(`capf console exited with ${code}: ${output}`)));
  });
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  const folder = await mkdtemp(join(tmpdir(), 'capf-console-browser-'));
  const dataDir = join(folder, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env, CAPF_DATA_DIR: dataDir };
  delete env.CAPF_ENDPOINT;
  const serve = await startServe(['--port', '0', '--host', '127.0.0.1'], env);
  const consoleProcess = await startConsoleProcess(dataDir, env);
  const origin = new URL(consoleProcess.url).origin;
  await mkdir(SCREENSHOTS, { recursive: true });
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Seoul', locale: 'en-GB', acceptDownloads: true });
  const first = await context.newPage();
  await first.goto(consoleProcess.url); // the session cookie, as an administrator gets it
  await first.close();
  const token = (await readFile(join(dataDir, ADMIN_TOKEN_FILE), 'utf8')).trim();
  const consoleErrors: string[] = [];
  return {
    env,
    serve,
    consoleUrl: consoleProcess.url,
    origin,
    browser,
    context,
    consoleErrors,
    async openPage() {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
      return page;
    },
    async api(method, path, body) {
      if (!serve.adminUrl) throw new Error('capf serve printed no admin API address');
      const response = await fetch(`${serve.adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async close() {
      await context.close();
      await browser.close();
      if (consoleProcess.child.exitCode === null) {
        consoleProcess.child.kill('SIGTERM');
        await new Promise((resolve) => consoleProcess.child.once('exit', resolve));
      }
      await serve.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** The stack for one test file: started before its tests, closed after them (the object is filled in by beforeAll). */
export function useConsoleStack(): ConsoleStack {
  const stack = {} as ConsoleStack;
  beforeAll(async () => {
    Object.assign(stack, await startConsoleStack());
  }, 120_000);
  afterAll(async () => {
    await stack.close?.();
  });
  return stack;
}

/** Screenshots of the page at 1280 px and 390 px (docs/screenshots/NAME-desktop.png, -narrow.png); nothing wider than 390 px but the tables. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-narrow.png`), fullPage: true });
  // Readable at 390 px: nothing wider than the window but the tables, which scroll in their own box.
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow, `${name} at 390 px`).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Removes the one console error a test expects (the browser logs a refused request itself); fails when it is absent. */
export function expectRefusalLogged(consoleErrors: string[], pattern: RegExp): void {
  const index = consoleErrors.findIndex((line) => pattern.test(line));
  expect(index, `a console error matching ${pattern}`).toBeGreaterThanOrEqual(0);
  consoleErrors.splice(index, 1);
}
