// The console's bulk job page in a real browser (Debian's chromium through playwright-core) against a real `capf
// serve` and `capf console`: a job previewed by a dry run (count and sample) before it can start, its progress to
// the end, the unique strings it generated shown once; a job over a list naming a missing device, with the failure and
// its reason; a job for later cancelled behind a confirmation. Screenshots of the page go to docs/screenshots/.
import { describe, expect, it } from 'vitest';
import { screenshots, useConsoleStack } from '../support/console-browser.ts';

const stack = useConsoleStack();
const NAMES = Array.from({ length: 20 }, (_, i) => `SEPBB000000${String(i).padStart(4, '0')}`);

describe('capf console bulk jobs in chromium', () => {
  it('previews, starts and follows a job to its end, then shows its strings once', async () => {
    const csv = ['DEVICE NAME,AUTHENTICATION MODE', ...NAMES.map((name) => `${name},By Null String`)].join('\n');
    expect((await stack.api('POST', '/v1/device-import', { csv })).body).toMatchObject({ created: 20, failed: [] });
    const page = await stack.openPage();
    await page.goto(`${stack.origin}/#/bulk`);
    await page.getByText('No bulk job yet.').waitFor();
    const form = page.getByRole('form', { name: 'New bulk job' });
    const start = form.getByRole('button', { name: 'Start job' });
    await expect(start.isDisabled()).resolves.toBe(true);
    await form.getByLabel('Operation to arm').selectOption('install');
    await form.getByLabel('Name starts with').fill('SEPBB');
    await form.getByLabel('Authentication strings').selectOption('generate');
    await form.getByLabel('Deadline (your time)').fill('2099-06-30T09:00');
    await form.getByRole('button', { name: 'Preview (dry run)' }).click();
    await page.locator('#bulk-count').getByText(`20 devices selected now; for example: ${NAMES.slice(0, 10).join(', ')}, …`).waitFor();
    expect(((await stack.api('GET', '/v1/bulk-jobs')).body as { jobs: unknown[] }).jobs).toEqual([]);
    await expect(start.isDisabled()).resolves.toBe(false);
    await screenshots(page, 'bulk');
    await start.click();

    await page.waitForURL(/#\/bulk\/\d{8}-[0-9a-f]{8}$/);
    await page.locator('#job-state').getByText('done', { exact: true }).waitFor();
    await page.getByText('20 of 20 (20 done, 0 failed)').waitFor();
    await expect(page.getByRole('progressbar').getAttribute('value')).resolves.toBe('20');
    const id = page.url().split('/').pop()!;
    const device = (await stack.api('GET', `/v1/devices/${NAMES[3]}`)).body as Record<string, unknown>;
    expect(device).toMatchObject({ operation: 'install', status: 'pending', authMode: 'auth-string', completesBy: '2099-06-30T00:00:00.000Z' });

    await page.getByRole('button', { name: 'Show the strings (once)' }).click();
    const strings = page.locator('#job-strings');
    await strings.getByText('20 strings (not shown again):').waitFor();
    const shown = await strings.locator('output').allTextContents();
    expect(shown).toHaveLength(20);
    expect(shown.every((text) => /^\d{8}$/.test(text))).toBe(true);
    await expect(page.getByRole('button', { name: 'Show the strings (once)' }).count()).resolves.toBe(0);
    expect((await stack.api('POST', `/v1/bulk-jobs/${id}/strings`)).body).toMatchObject({ code: 'STRINGS_SHOWN' });
    await screenshots(page, 'bulk-job');
    await page.close();
  });

  it('lists a missing device as a failure with its reason, and cancels a job for later after the confirmation', async () => {
    const page = await stack.openPage();
    await page.goto(`${stack.origin}/#/bulk`);
    const form = page.getByRole('form', { name: 'New bulk job' });
    await form.getByLabel('Operation to arm').selectOption('delete');
    await form.getByLabel('Device names (one a line)').fill(`${NAMES[0]}\nSEPBB9999999999\n${NAMES[1]}`);
    await form.getByRole('button', { name: 'Preview (dry run)' }).click();
    await page.locator('#bulk-count').getByText(/^3 devices selected now/).waitFor();
    await form.getByRole('button', { name: 'Start job' }).click();
    await page.waitForURL(/#\/bulk\/\d{8}-[0-9a-f]{8}$/);
    await page.getByText('3 of 3 (2 done, 1 failed)').waitFor();
    await page.getByRole('row', { name: /SEPBB9999999999 DEVICE_NOT_FOUND/ }).waitFor();

    await page.getByRole('link', { name: '← Bulk jobs' }).click();
    await form.getByLabel('Name starts with').fill('SEPBB');
    await form.getByLabel('Run at (your time)').fill('2099-01-01T08:00');
    await form.getByRole('button', { name: 'Preview (dry run)' }).click();
    await page.locator('#bulk-count').getByText(/^20 devices selected now/).waitFor();
    await form.getByRole('button', { name: 'Start job' }).click();
    await page.waitForURL(/#\/bulk\/\d{8}-[0-9a-f]{8}$/);
    await page.locator('#job-state').getByText('scheduled', { exact: true }).waitFor();
    const cancel = page.getByRole('button', { name: 'Cancel job' });
    page.once('dialog', (dialog) => void dialog.dismiss());
    await cancel.click();
    await expect(page.locator('#job-state').textContent()).resolves.toBe('scheduled');
    page.once('dialog', (dialog) => void dialog.accept());
    await cancel.click();
    await page.locator('#job-state').getByText('cancelled', { exact: true }).waitFor();
    await expect(cancel.count()).resolves.toBe(0);

    await page.getByRole('link', { name: '← Bulk jobs' }).click();
    const jobs = page.getByRole('table');
    await jobs.getByRole('row').nth(3).waitFor();
    await expect(jobs.getByRole('row').filter({ hasText: 'cancelled' }).count()).resolves.toBe(1);
    await expect(jobs.getByRole('row').filter({ hasText: 'done' }).count()).resolves.toBe(2);
    expect(stack.consoleErrors).toEqual([]);
    await page.close();
  });
});
