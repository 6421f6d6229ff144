// The console in a real browser (Debian's chromium through playwright-core) against a real `capf serve` and a real
// `capf console`, as an administrator uses them: a request without the session token is refused; every page loads
// without console errors; a device is created and armed in the page, the simulated phone enrols, the device page
// shows success and the certificate appears on the expiry chart; an incomplete chain is refused naming the missing
// certificate. Screenshots of each page (1280 px and 390 px wide) go to docs/screenshots/.
import { describe, expect, it } from 'vitest';
import { capfRun } from '../support/capf-process.ts';
import { expectRefusalLogged, screenshots, useConsoleStack } from '../support/console-browser.ts';
import { makeChain } from '../support/trust-pki.ts';

const DEVICE = 'SEP00C0FFEE0015';

const stack = useConsoleStack();

describe('capf console in chromium', () => {
  it('refuses a browser without the session token', async () => {
    const stranger = await stack.browser.newContext();
    try {
      const page = await stranger.newPage();
      const response = await page.goto(`${stack.origin}/`);
      expect(response?.status()).toBe(401);
      await expect(page.locator('h1').textContent()).resolves.toBe('No console session');
      const api = await stranger.request.get(`${stack.origin}/api/v1/devices`);
      expect(api.status()).toBe(401);
      const forged = await stranger.request.post(`${stack.origin}/api/v1/devices`, { data: { name: 'SEP00000000BAD0' }, headers: { origin: stack.origin } });
      expect(forged.status()).toBe(401);
    } finally {
      await stranger.close();
    }
  });

  it('opens from the printed URL: the token moves into the cookie and leaves the address', async () => {
    const fresh = await stack.browser.newContext();
    const page = await fresh.newPage();
    await page.goto(stack.consoleUrl);
    expect(page.url()).toBe(`${stack.origin}/`);
    await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
    const cookies = await fresh.cookies(stack.origin);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await fresh.close();
  });

  it('creates and arms a device, the phone enrols, the device shows success and its certificate is on the chart', async () => {
    const page = await stack.openPage();
    await page.goto(`${stack.origin}/#/devices`);
    await page.getByLabel('Name', { exact: true }).fill(DEVICE);
    await page.getByRole('form', { name: 'Add a device' }).getByLabel('Operation').selectOption('none');
    await page.getByRole('form', { name: 'Add a device' }).getByLabel('Authentication mode').selectOption('auth-string');
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.getByRole('heading', { level: 1, name: DEVICE }).waitFor();

    const arm = page.getByRole('form', { name: 'Arm an operation' });
    await arm.getByLabel('Operation').selectOption('install');
    await arm.getByLabel('Deadline (your time)').fill('2099-12-31T18:30');
    await arm.getByLabel('Generate an authentication string (shown once)').check();
    await arm.getByRole('button', { name: 'Arm' }).click();
    const authString = (await page.locator('#auth-string').textContent())!;
    expect(authString).toMatch(/^\d{4,16}$/);
    await expect(page.locator('#device-status').textContent()).resolves.toBe('pending');

    const phone = await capfRun(['phone', 'install', DEVICE, '--host', '127.0.0.1', '--port', String(stack.serve.listenerPort), '--password', authString], { env: stack.env });
    expect(phone.stdout).toMatch(/END_SESSION 1/);

    await page.reload();
    await expect(page.locator('#device-status').textContent()).resolves.toBe('success');
    await page.getByRole('table').filter({ hasText: 'installed' }).waitFor();
    const deadline = page.locator('dd time').filter({ hasText: '2099' }).first();
    await expect(deadline.getAttribute('title')).resolves.toBe('UTC: 2099-12-31 09:30:00Z');
    await screenshots(page, 'device');

    await page.goto(`${stack.origin}/#/certificates`);
    const later = page.getByRole('button', { name: /^later: 1 certificates/ });
    await later.waitFor();
    await later.click();
    await page.locator('#expiry-list').getByRole('link', { name: DEVICE }).waitFor();
    await screenshots(page, 'certificates');
    await page.close();
  });

  it('refuses an incomplete chain beside the upload, naming the missing certificate', async () => {
    const chain = await makeChain('Console');
    const page = await stack.openPage();
    await page.goto(`${stack.origin}/#/trust`);
    await page.getByLabel('PEM text').fill(chain.https.pem + chain.intermediate.pem);
    await page.getByRole('button', { name: 'Upload' }).click();
    const error = page.locator('p.error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/incomplete chain: .*CN=Console Root.*INCOMPLETE_CHAIN/);
    await expect(page.getByLabel('PEM text').getAttribute('aria-invalid')).resolves.toBe('true');
    // The browser logs the refused request itself; that one is expected, nothing else is.
    expectRefusalLogged(stack.consoleErrors, /#\/trust: Failed to load resource: .* 400/);

    await page.getByLabel('PEM text').fill(chain.intermediate.pem + chain.root.pem);
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('#upload-result').getByText(/Scenario 3/).waitFor();
    await page.getByRole('cell', { name: /CN=Console Root/ }).first().waitFor();
    await screenshots(page, 'trust');
    await page.close();
  });

  it('loads every page without console errors', async () => {
    const page = await stack.openPage();
    for (const [hash, heading, name] of [
      ['#/devices', 'Devices', 'devices'],
      ['#/ca', 'CAPF certificate', 'ca'],
      ['#/csrs', 'CSRs and stale LSCs', 'csrs'],
      ['#/parameters', 'Service parameters', 'parameters'],
      [`#/audit?device=${DEVICE}`, 'Audit log', 'audit'],
    ] as const) {
      await page.goto(`${stack.origin}/${hash}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.waitForLoadState('networkidle');
      if (name === 'csrs') {
        // A local stack without the offline CA: the lists are empty, not failing.
        await page.getByText('No CSR is waiting.').waitFor();
        await page.getByText('No stale LSC.').waitFor();
      }
      await expect(page.locator('main p.error').count(), hash).resolves.toBe(0);
      await screenshots(page, name);
    }
    await expect(page.getByRole('cell', { name: 'device.arm' }).first().isVisible()).resolves.toBe(true);
    expect(stack.consoleErrors).toEqual([]);
    await page.close();
  });
});
