/**
 * The hosted runner in the user's language (issue #21), in Chromium: the browser's language
 * (Accept-Language / navigator.languages) picks French, shipped in full, with the journey's own
 * texts in French from its `texts`; `?lang=ar` picks a locale only the journey provides, and the
 * page turns right-to-left. The end screens: success without a redirect shows the token a
 * developer can validate; a rejected session shows the journey's message, translated, and a retry.
 * The form's own checks and the engine's refusals (a wrong code, by its code and count) are French too.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_KEY, type TestServer } from '../helpers/test-server.js';
import { outboxCode } from '../otp/otp-helpers.js';
import { openPage, ROOT, screenshot, skipBrowser, startBrowserSuite } from './e2e-helpers.js';

const AGE_GATE = {
  id: 'age-gate-i18n',
  name: 'Age gate',
  start: 'ask',
  settings: { public: true },
  steps: {
    ask: {
      type: 'form',
      config: {
        outputVariable: 'answer',
        title: 'How old are you?',
        options: [{ id: 'submit', label: 'Continue', schema: { type: 'object', required: ['age'], properties: { age: { type: 'integer', minimum: 0, title: 'Your age' } } } }],
      },
      branches: { submit: 'check' },
    },
    check: { type: 'condition', config: { expression: '{% answer.age >= 18 %}' }, branches: { true: 'ok', false: 'no' } },
    ok: { type: 'complete', config: { claims: { adult: true } } },
    no: { type: 'reject', config: { code: 'too_young', message: 'Come back later' } },
  },
  texts: {
    fr: { 'How old are you?': 'Quel âge avez-vous ?', Continue: 'Continuer', 'Your age': 'Votre âge', 'Come back later': 'Revenez plus tard' },
    ar: { 'How old are you?': 'كم عمرك؟', Continue: 'متابعة', 'Your age': 'عمرك', 'Come back later': 'عد لاحقًا' },
  },
};

describe.skipIf(skipBrowser)('the hosted runner in the user’s language (browser)', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ({ server, browser } = await startBrowserSuite({ env: { RATE_LIMITS: 'off', APP_API_KEYS: APP_KEY } }));
    await server.publish(AGE_GATE);
    await server.publish(JSON.parse(readFileSync(`${ROOT}/journeys/sign-up.json`, 'utf8')));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  const pageState = (page: Page) =>
    page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir, title: document.querySelector('h1')?.textContent ?? '' }));

  it('French from the browser’s language: the runner’s texts and the journey’s, then the token for a developer', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser, { locale: 'fr-FR' });
    onTestFailed(() => screenshot(page, 'runner-language-fr'));
    const accepted: string[] = [];
    page.on('request', (request) => request.url().includes('/start') && accepted.push(request.headers()['accept-language'] ?? ''));

    await page.goto(`${server.url}/run/${AGE_GATE.id}`);
    await page.getByRole('heading', { name: 'Quel âge avez-vous ?' }).waitFor();
    expect(accepted[0]).toMatch(/^fr-FR/);
    expect(await pageState(page)).toMatchObject({ lang: 'fr', dir: 'ltr' });
    await page.getByText('Connexion sécurisée').waitFor();
    await page.getByLabel('Votre âge').fill('30');
    await page.getByRole('button', { name: 'Continuer' }).click();

    await page.getByRole('heading', { name: 'Tout est prêt' }).waitFor();
    await page.getByText('Pour les développeurs : le jeton de résultat').click();
    const token = await page.getByTestId('runner-token').inputValue();
    const validated = await server.request('POST', '/v1/tokens/validate', { body: { token }, token: APP_KEY });
    expect(validated.body).toMatchObject({ valid: true, journeyId: AGE_GATE.id, claims: { adult: true } });
    expect(await page.locator('.rn-command').innerText()).toContain(`${new URL(server.url).origin}/v1/tokens/validate`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('?lang=ar: a locale only the journey gives, right to left; a rejection shows its message and a retry', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser, { locale: 'en-US' });
    onTestFailed(() => screenshot(page, 'runner-language-ar'));

    await page.goto(`${server.url}/run/${AGE_GATE.id}?lang=ar`);
    await page.getByRole('heading', { name: 'كم عمرك؟' }).waitFor();
    expect(await pageState(page)).toMatchObject({ lang: 'ar', dir: 'rtl' });
    // The card is laid out right to left: the label starts at the right.
    const direction = await page.locator('.sv').evaluate((el) => getComputedStyle(el).direction);
    expect(direction).toBe('rtl');
    // The runner's own texts have no Arabic: English, the fallback.
    await page.getByText('Secure sign-in').waitFor();
    // The address keeps the language, so a reload stays in it.
    expect(new URL(page.url()).searchParams.get('lang')).toBe('ar');

    await page.getByLabel('عمرك').fill('12');
    await page.getByRole('button', { name: 'متابعة' }).click();
    await page.getByTestId('runner-ended').waitFor();
    await page.getByText('عد لاحقًا').waitFor();

    await page.getByTestId('runner-retry').click();
    await page.getByRole('heading', { name: 'كم عمرك؟' }).waitFor();
    expect(new URL(page.url()).searchParams.get('session')).toBeTruthy();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('French refusals: a required field left empty is caught in place, a wrong code says the attempts left the engine counts', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser, { locale: 'fr-FR' });
    onTestFailed(() => screenshot(page, 'runner-language-fr-refusals'));

    await page.goto(`${server.url}/run/sign-up`);
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await expect.poll(() => new URL(page.url()).searchParams.get('session')).toMatch(/^[0-9a-f-]{36}$/);
    const session = new URL(page.url()).searchParams.get('session')!;
    await page.getByLabel('Email').fill('dora@example.com');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Username est obligatoire').waitFor();
    await page.getByLabel('Username').fill('dora');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByTestId('otp-destination').waitFor();
    const right = await outboxCode(server, session);
    const code = page.getByRole('textbox', { name: 'Code', exact: true });
    await code.fill(right === '000000' ? '111111' : '000000');
    const refused = page.waitForResponse((response) => response.url().includes(`/v1/sessions/${session}`) && response.request().method() === 'POST');
    // The step's own option label ("Verify") is the journey's text, so the code is sent with Enter.
    await code.press('Enter');
    const answer = await (await refused).json();
    expect(answer.error).toMatchObject({ code: 'invalid_code', attemptsLeft: expect.any(Number) });
    const left: number = answer.error.attemptsLeft;
    expect(left).toBeGreaterThan(1);
    expect(await page.getByTestId('step-error').innerText()).toBe(`Le code n’est pas valide : ${left} tentatives restantes`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('English for a language neither the runner nor the journey has', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser, { locale: 'de-DE' });
    onTestFailed(() => screenshot(page, 'runner-language-de'));
    await page.goto(`${server.url}/run/${AGE_GATE.id}`);
    await page.getByRole('heading', { name: 'How old are you?' }).waitFor();
    expect(await pageState(page)).toMatchObject({ lang: 'en', dir: 'ltr' });
    expect(errors).toEqual([]);
    await context.close();
  });
});
