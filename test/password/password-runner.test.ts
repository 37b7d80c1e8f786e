/**
 * The password steps in the hosted runner, in a real browser: password.set's field is a password
 * input offered to password managers as a new password, password.authenticate's as the current
 * one; refusals show in place with the field cleared; sign-up then sign-in completes.
 */
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ensureDesignerBuilt, launchBrowser, openPage, screenshot, skipBrowser } from '../e2e/e2e-helpers.js';
import { signInJourney, signUpJourney } from './password-helpers.js';

const PHONE = { width: 390, height: 844 };
const PASSWORD = 'amber walrus plays a tiny violin';

describe.skipIf(skipBrowser)('password steps in the hosted runner (browser)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    const [started] = await Promise.all([startTestServer(), ensureDesignerBuilt()]);
    server = started;
    await server.publish(signUpJourney('pw-sign-up'));
    await server.publish(signInJourney('pw-sign-in'));
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  const attributes = (field: Locator) => field.evaluate((el: HTMLInputElement) => ({ type: el.type, autocomplete: el.autocomplete, name: el.name }));

  it('signs up with a new password (a common one refused in place), then signs in (a wrong one refused in place)', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser, { viewport: PHONE });
    onTestFailed(() => screenshot(page, 'runner-password'));

    await page.goto(`${server.url}/run/pw-sign-up`);
    await page.getByLabel('username').fill('erin');
    await page.keyboard.press('Enter');
    const newPassword = page.getByLabel('New password', { exact: true });
    await newPassword.waitFor();
    expect(await attributes(newPassword)).toEqual({ type: 'password', autocomplete: 'new-password', name: 'password' });
    await page.getByText('At least 15 characters').waitFor();

    await newPassword.fill('P@ssw0rd12345678');
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect.poll(() => page.getByTestId('step-error').textContent()).toContain('too common');
    expect(await newPassword.inputValue()).toBe('');
    await newPassword.fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByTestId('runner-success').waitFor();

    await page.goto(`${server.url}/run/pw-sign-in`);
    await page.getByLabel('username').fill('erin');
    await page.keyboard.press('Enter');
    const current = page.getByLabel('Password', { exact: true });
    await current.waitFor();
    expect(await attributes(current)).toEqual({ type: 'password', autocomplete: 'current-password', name: 'password' });
    await current.fill('not the right password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('step-error').textContent()).toContain('incorrect');
    expect(await current.inputValue()).toBe('');
    await current.fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('runner-success').waitFor();

    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(errors).toEqual([]);
    await context.close();
  });
});
