/**
 * The designer's OpenID clients page in Chromium: create a client from the form (the secret shown
 * once), see it listed, edit its step-up journeys, replace its secret, delete it; and the form's
 * text fields to the API's shape.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyFromForm, emptyClientForm, formFromClient } from '../../designer/src/designer/clients/client-form.js';
import { ADMIN_KEY, type TestServer } from '../helpers/test-server.js';
import { ensureDesignerBuilt, launchBrowser, openPage, screenshot, signIn, skipBrowser } from '../e2e/e2e-helpers.js';
import { REDIRECT_URI, publishSamples, startOidcServer } from './oidc-helpers.js';

describe('client form fields', () => {
  it('reads URIs one per line and acr lines as a map; refuses what a person must fix', () => {
    const values = { ...emptyClientForm('login'), redirectUris: ` ${REDIRECT_URI}\n\nhttps://b.test/cb `, acrJourneys: 'urn:journey:mfa = login-totp\nurn:a=b=c = x', firstParty: true };
    const built = bodyFromForm(values);
    expect(built).toEqual({
      body: {
        redirectUris: [REDIRECT_URI, 'https://b.test/cb'],
        postLogoutRedirectUris: [],
        tokenEndpointAuthMethod: 'client_secret_basic',
        idTokenSignedResponseAlg: 'RS256',
        journeyId: 'login',
        acrJourneys: { 'urn:journey:mfa': 'login-totp', 'urn:a=b=c': 'x' },
        firstParty: true,
      },
    });
    expect(bodyFromForm({ ...values, acrJourneys: 'no separator' })).toEqual({ problem: '“no separator” is not “acr = journey”' });
    expect(bodyFromForm({ ...values, redirectUris: ' \n' })).toEqual({ problem: 'Enter at least one redirect URI' });
    expect(bodyFromForm({ ...values, tokenEndpointAuthMethod: 'private_key_jwt', jwks: '{nope' })).toEqual({ problem: 'The public keys are not valid JSON' });
    const client = { clientId: 'a', redirectUris: ['https://a.test/cb'], postLogoutRedirectUris: [], tokenEndpointAuthMethod: 'none' as const, idTokenSignedResponseAlg: 'ES256' as const, journeyId: 'login', acrJourneys: { x: 'y' }, firstParty: false, createdAt: '', updatedAt: '' };
    expect(bodyFromForm(formFromClient(client))).toMatchObject({ body: { redirectUris: ['https://a.test/cb'], acrJourneys: { x: 'y' }, idTokenSignedResponseAlg: 'ES256', tokenEndpointAuthMethod: 'none' } });
  });
});

describe.skipIf(skipBrowser)('designer: OpenID clients page', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    const [started] = await Promise.all([startOidcServer(), ensureDesignerBuilt()]);
    server = started;
    await publishSamples(server, ['login', 'login-totp']);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  it('creates, edits, re-keys and deletes a client', async ({ onTestFailed }) => {
    const { context, page, errors } = await openPage(browser);
    onTestFailed(() => screenshot(page, 'designer-clients'));
    await signIn(page, server.url, ADMIN_KEY);
    await page.getByTestId('open-clients').click();
    await page.getByRole('heading', { name: 'OpenID clients' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/designer/clients');

    await page.getByTestId('new-client').click();
    await page.getByTestId('client-id').fill('designer-app');
    await page.getByTestId('client-name').fill('Designer app');
    await page.getByTestId('client-save').click();
    await expect.poll(() => page.getByTestId('client-problem').textContent()).toContain('redirect URI');
    await page.getByTestId('client-redirects').fill(REDIRECT_URI);
    await page.getByTestId('client-journey').selectOption('login');
    await page.getByTestId('client-save').click();
    const secret = (await page.getByTestId('client-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('secret-done').click();
    await page.getByTestId('client-designer-app').waitFor();
    const stored = await server.admin('GET', '/v1/admin/oidc/clients/designer-app');
    expect(stored.body).toMatchObject({ clientName: 'Designer app', redirectUris: [REDIRECT_URI], journeyId: 'login', firstParty: false });

    await page.getByTestId('edit-designer-app').click();
    await page.getByTestId('client-acr').fill('urn:journey:mfa = login-totp');
    await page.getByTestId('client-first-party').check();
    await page.getByTestId('client-save').click();
    await expect.poll(async () => (await server.admin('GET', '/v1/admin/oidc/clients/designer-app')).body.acrJourneys).toEqual({ 'urn:journey:mfa': 'login-totp' });
    expect((await server.admin('GET', '/v1/admin/oidc/clients/designer-app')).body.firstParty).toBe(true);

    await page.getByTestId('rotate-designer-app').click();
    await page.getByRole('button', { name: 'Replace secret' }).click();
    const rotated = (await page.getByTestId('client-secret').textContent())!.trim();
    expect(rotated).not.toBe(secret);
    await page.getByTestId('secret-done').click();

    await page.getByTestId('delete-client-designer-app').click();
    await page.getByRole('button', { name: 'Delete client' }).click();
    await expect.poll(async () => (await server.admin('GET', '/v1/admin/oidc/clients/designer-app')).status).toBe(404);
    expect(errors).toEqual([]);
    await context.close();
  });
});
