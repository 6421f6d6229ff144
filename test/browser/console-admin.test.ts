// The console's administration pages in a real browser (Debian's chromium through playwright-core) against a real
// `capf serve` and `capf console`: the CAPF certificate regenerated behind its confirmation and exported; a parameter
// out of range named beside its field, then a good save; the devices list over several pages (unfiltered and with the
// API's authentication-mode filter); device templates; a CSV import whose bad line is reported by its number, a row
// the service refuses reported by its line, and the CSV export downloaded. Screenshots of the new pages go to
// docs/screenshots/.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectRefusalLogged, screenshots, useConsoleStack } from '../support/console-browser.ts';

const HEADER = 'DEVICE NAME,CAPF OPERATION,AUTHENTICATION MODE,KEY ORDER,TEMPLATE';

const stack = useConsoleStack();

async function downloadText(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), text: await readFile((await download.path())!, 'utf8') };
}

/** The names in the devices table, in order. */
async function listedNames(page: Page): Promise<string[]> {
  await page.locator('section[aria-busy="false"]').waitFor();
  return page.locator('table tbody tr td:first-child').allTextContents();
}

describe('capf console administration pages in chromium', () => {
  it('regenerates the CAPF certificate only after the confirmation, and exports its PEM', async () => {
    const page = await stack.openPage();
    await page.goto(`${stack.origin}/#/ca`);
    const fingerprint = page.locator('dd code');
    const before = (await fingerprint.textContent())!;
    expect(before).toMatch(/^[0-9a-f]{64}$/);

    const exported = await downloadText(page, () => page.getByRole('button', { name: 'Export PEM' }).click());
    expect(exported.name).toBe('capf-ca.pem');
    expect(exported.text).toBe(((await stack.api('GET', '/v1/ca/certificate')).body as { pem: string }).pem);

    // Without the confirmation the browser keeps the form from being sent: the certificate is the same.
    const confirm = page.getByLabel('Yes, replace the CAPF certificate');
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await expect(confirm.evaluate((box) => (box as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).resolves.toBe(true);
    expect(((await stack.api('GET', '/v1/ca')).body as { id: string }).id).toBe(before);

    await page.getByLabel('Key type').selectOption('ec');
    await confirm.check();
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await page.locator('dd code').filter({ hasNotText: before }).waitFor();
    const after = (await page.locator('dd code').textContent())!;
    expect(after).not.toBe(before);
    expect(((await stack.api('GET', '/v1/ca')).body as { id: string; key: string }).id).toBe(after);
    await expect(page.locator('dl.facts').textContent()).resolves.toMatch(/EC/);
    const renewed = await downloadText(page, () => page.getByRole('button', { name: 'Export PEM' }).click());
    expect(renewed.text).not.toBe(exported.text);
    await page.close();
  });

  it('names a parameter out of range beside its field, shows the API refusal beside its field, then saves', async () => {
    const page = await stack.openPage();
    await page.goto(`${stack.origin}/#/parameters`);
    const validity = page.getByLabel('LSC validity (days)');
    await validity.fill('0');
    await page.getByRole('button', { name: 'Save parameters' }).click();
    await expect(validity.getAttribute('aria-invalid')).resolves.toBe('true');
    const note = page.locator(`#${(await validity.getAttribute('aria-describedby'))!}`);
    await expect(note.textContent()).resolves.toBe('lscValidityDays must be from 1 to 1825 (got 0)');
    await expect(page.evaluate<string | null>("document.activeElement?.getAttribute('name') ?? null")).resolves.toBe('lscValidityDays');

    await validity.fill('400');
    const recipients = page.getByLabel('Expiry notice recipients');
    await recipients.fill('pki-team, ops@example.com');
    await page.getByRole('button', { name: 'Save parameters' }).click();
    await page.locator('[name="expiryRecipients"][aria-invalid="true"]').waitFor();
    await expect(page.locator(`#${(await recipients.getAttribute('aria-describedby'))!}`).textContent()).resolves.toMatch(/expiryRecipients: .*pki-team.* is not an email address/);
    await expect(validity.getAttribute('aria-invalid')).resolves.toBeNull();
    expectRefusalLogged(stack.consoleErrors, /#\/parameters: Failed to load resource: .* 400/);

    await recipients.fill('ops@example.com');
    await page.getByRole('button', { name: 'Save parameters' }).click();
    await page.getByText('Saved: lscValidityDays, expiryRecipients.').waitFor();
    await expect(recipients.getAttribute('aria-invalid')).resolves.toBeNull();
    expect((await stack.api('GET', '/v1/parameters')).body).toMatchObject({ lscValidityDays: 400, expiryRecipients: ['ops@example.com'] });
    await page.close();
  });

  it('pages through the devices 50 at a time, with the authentication-mode filter applied by the API', async () => {
    // 120 devices, every other one in mic-precedence mode: three pages unfiltered, two with the filter.
    const names = Array.from({ length: 120 }, (_, i) => `SEPAB00000${String(i).padStart(5, '0')}`);
    const rows = names.map((name, i) => `${name},,${i % 2 === 0 ? 'By Existing Certificate (Precedence to MIC)' : 'By Null String'},,`);
    const imported = await stack.api('POST', '/v1/device-import', { csv: [HEADER, ...rows].join('\n') });
    expect(imported.body).toMatchObject({ created: 120, failed: [] });

    const page = await stack.openPage();
    await page.goto(`${stack.origin}/#/devices?prefix=SEPAB`);
    const next = page.getByRole('button', { name: 'Next →' });
    const previous = page.getByRole('button', { name: '← Previous' });
    expect(await listedNames(page)).toEqual(names.slice(0, 50));
    await expect(previous.isDisabled()).resolves.toBe(true);
    await next.click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    expect(await listedNames(page)).toEqual(names.slice(50, 100));
    await next.click();
    await page.getByText('Page 3', { exact: true }).waitFor();
    expect(await listedNames(page)).toEqual(names.slice(100));
    await expect(next.isDisabled()).resolves.toBe(true);
    await previous.click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    expect(await listedNames(page)).toEqual(names.slice(50, 100));

    await page.goto(`${stack.origin}/#/devices`);
    await page.getByLabel('Name starts with').fill('SEPAB');
    await page.getByLabel('Authentication mode').first().selectOption('mic-precedence');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/authMode=mic-precedence/);
    const mic = names.filter((_, i) => i % 2 === 0);
    await page.getByText('Page 1', { exact: true }).waitFor();
    expect(await listedNames(page)).toEqual(mic.slice(0, 50));
    await next.click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    expect(await listedNames(page)).toEqual(mic.slice(50));
    await expect(next.isDisabled()).resolves.toBe(true);
    await page.close();
  });

  it('creates templates, shows one, changes the default, refuses a bad one beside its field and deletes one', async () => {
    const page = await stack.openPage();
    await page.goto(`${stack.origin}/#/templates`);
    await page.getByText('No template yet.').waitFor();
    const form = page.getByRole('form', { name: 'Create a template' });
    await form.getByLabel('Name').fill('lab-phones');
    await form.getByLabel('Description (optional)').fill('Lab desk phones');
    await form.getByLabel('Operation').selectOption('install');
    await form.getByLabel('Key order').selectOption('ec');
    await form.getByLabel('EC curve').selectOption('P-384');
    await form.getByLabel('Deadline (days after creation)').fill('7');
    await form.getByLabel('Make it the default template').check();
    await form.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('table').getByText('Default: lab-phones').waitFor();

    // A device created through it on the devices page takes what the form leaves to the template.
    await page.goto(`${stack.origin}/#/devices`);
    const add = page.getByRole('form', { name: 'Add a device' });
    await add.getByLabel('Name', { exact: true }).fill('SEP00AB00CD00EF');
    await add.getByLabel('Template').selectOption('lab-phones');
    await add.getByLabel('Operation').selectOption({ label: "the template's" });
    await add.getByRole('button', { name: 'Add device' }).click();
    await page.getByRole('heading', { level: 1, name: 'SEP00AB00CD00EF' }).waitFor();
    const created = (await stack.api('GET', '/v1/devices/SEP00AB00CD00EF')).body as { completesBy: string };
    expect(created).toMatchObject({ operation: 'install', keyOrder: 'ec', curve: 'P-384', authMode: 'null-string' });
    expect(Date.parse(created.completesBy) - Date.now()).toBeGreaterThan(6 * 86_400_000);
    await page.goto(`${stack.origin}/#/templates`);
    await page.getByRole('button', { name: 'Show lab-phones' }).waitFor();

    await form.getByLabel('Name').fill('strings');
    await form.getByLabel('Operation').selectOption('install');
    await form.getByLabel('Authentication mode').selectOption('auth-string');
    await form.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('button', { name: 'Show strings' }).waitFor();

    await form.getByLabel('Name').fill('no-operation');
    await form.getByLabel('Deadline (days after creation)').fill('3');
    await form.getByRole('button', { name: 'Create template' }).click();
    const deadline = form.getByLabel('Deadline (days after creation)');
    await form.locator('[name="deadlineDays"][aria-invalid="true"]').waitFor();
    await expect(page.locator(`#${(await deadline.getAttribute('aria-describedby'))!}`).textContent()).resolves.toMatch(/deadlineDays needs an operation.*INVALID_TEMPLATE/);
    expectRefusalLogged(stack.consoleErrors, /#\/templates: Failed to load resource: .* 400/);

    await page.getByRole('button', { name: 'Show strings' }).click();
    const details = page.locator('#template-details');
    await details.getByRole('heading', { name: 'Template strings' }).waitFor();
    await expect(details.textContent()).resolves.toMatch(/Authentication modeauth-string.*Defaultno/);

    await page.getByRole('button', { name: 'Make strings the default' }).click();
    await page.getByRole('table').getByText('Default: strings').waitFor();
    expect((await stack.api('GET', '/v1/templates')).body).toMatchObject({ defaultTemplate: 'strings' });
    await screenshots(page, 'templates');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete strings' }).click();
    await page.getByRole('button', { name: 'Show strings' }).waitFor({ state: 'detached' });
    await page.getByRole('table').getByText('No default template').waitFor();
    expect((await stack.api('GET', '/v1/templates')).body).toEqual({ templates: [expect.objectContaining({ name: 'lab-phones' })] });
    await page.close();
  });

  it('imports CSV: a bad line is named by its number and nothing is written; refused rows are reported by line; the export downloads', async () => {
    const page = await stack.openPage();
    await page.goto(`${stack.origin}/#/csv`);
    const bad = [HEADER, 'SEPCD0000000001,Install/Upgrade,By Null String,,', 'SEPCD0000000002,Reboot,By Null String,,', 'SEPCD0000000003,,,EC Only,'].join('\r\n');
    await page.getByLabel('CSV file').setInputFiles({ name: 'phones.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    const file = page.getByLabel('CSV file');
    await page.locator('[name="file"][aria-invalid="true"]').waitFor();
    await expect(page.locator(`#${(await file.getAttribute('aria-describedby'))!}`).textContent()).resolves.toMatch(/^1 bad row, nothing imported: line 3: .*Reboot.*INVALID_CSV/);
    expectRefusalLogged(stack.consoleErrors, /#\/csv: Failed to load resource: .* 400/);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.locator('p.error').waitFor();
    expectRefusalLogged(stack.consoleErrors, /#\/csv: Failed to load resource: .* 400/);
    expect(((await stack.api('GET', '/v1/devices?prefix=SEPCD')).body as { devices: unknown[] }).devices).toEqual([]);

    const good = [HEADER, 'SEPCD0000000001,Install/Upgrade,By Null String,,', 'SEPCD0000000002,,,,no-such-template', 'SEPCD0000000003,,,EC Only,'].join('\r\n');
    await page.getByLabel('CSV file').setInputFiles({ name: 'phones.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: 'Check (dry run)' }).click();
    await page.getByText('3 valid rows; nothing changed (dry run).').waitFor();
    await expect(file.getAttribute('aria-invalid')).resolves.toBeNull();
    await page.getByRole('button', { name: 'Import' }).click();
    const report = page.locator('#import-report');
    await report.getByText('2 created, 0 changed, 1 refused.').waitFor();
    await expect(report.getByRole('row').nth(1).textContent()).resolves.toMatch(/^3SEPCD0000000002TEMPLATE_NOT_FOUND/);
    await screenshots(page, 'csv');

    const exportForm = page.getByRole('form', { name: 'Export devices' });
    await exportForm.getByLabel('Name starts with').fill('sepcd');
    const exported = await downloadText(page, () => exportForm.getByRole('button', { name: 'Export CSV' }).click());
    expect(exported.name).toBe('devices.csv');
    const lines = exported.text.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^DEVICE NAME,CAPF OPERATION,AUTHENTICATION MODE/);
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['SEPCD0000000001', 'SEPCD0000000003']);
    expect(lines[1]).toMatch(/Install\/Upgrade/);
    await page.locator('#export-result').getByText('2 devices exported to devices.csv.').waitFor();
    await page.close();
  });

  it('loaded the pages without other console errors', () => {
    expect(stack.consoleErrors).toEqual([]);
  });
});
