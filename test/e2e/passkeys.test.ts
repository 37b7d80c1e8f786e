/**
 * Passkeys in the hosted runner, in Chromium with a virtual authenticator (the DevTools
 * protocol's WebAuthn domain: ctap2, internal, resident keys, user verification): register a
 * passkey through register-passkey, sign in with it through login without a username and through a
 * journey that names the user, refuse a cloned credential whose counter is stale, show the
 * cancelled and no-support messages, and offer passkeys in the username field (conditional UI).
 * WebAuthn needs a secure context: the pages are served as http://localhost (not 127.0.0.1).
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestServer, type TestServer } from '../helpers/test-server.js';
import { seedUser } from '../password/password-helpers.js';
import { addVirtualAuthenticator, ensureDesignerBuilt, launchBrowser, openPage, ROOT, screenshot, skipBrowser } from './e2e-helpers.js';

const PASSWORD = 'purple lanterns drift past the pier';

/** A form asking a username, then passkey.authenticate for that user. */
const namedSignIn = {
  id: 'passkey-named',
  name: 'Passkey for a named user',
  start: 'who',
  settings: { public: true },
  steps: {
    who: {
      type: 'form',
      config: {
        outputVariable: 'account',
        title: 'Who are you?',
        options: [{ id: 'next', label: 'Next', schema: { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1, title: 'Username' } } } }],
      },
      branches: { next: 'passkey' },
    },
    passkey: {
      type: 'passkey.authenticate',
      config: { username: '{% account.username %}' },
      errorOutputVariable: 'err',
      branches: { success: 'done', username: 'who', skipped: 'who', failure: 'failed' },
    },
    done: { type: 'complete', config: { claims: { username: '{% $user.username %}', amr: '{% $auth.amr %}' } } },
    failed: { type: 'reject', config: { code: '{% err.code %}', message: '{% err.message %}' } },
  },
};

/** passkey.authenticate with autofill: the username field offers passkeys; a typed name goes on to a password. */
const autofillSignIn = {
  id: 'passkey-autofill',
  name: 'Passkey autofill',
  start: 'passkey',
  settings: { public: true },
  steps: {
    passkey: {
      type: 'passkey.authenticate',
      config: { autofill: true, outputVariable: 'typed' },
      errorOutputVariable: 'err',
      branches: { success: 'done', username: 'typed', skipped: 'typed', failure: 'failed' },
    },
    typed: { type: 'reject', config: { code: 'typed', message: '{% "typed " & typed.username %}' } },
    done: { type: 'complete', config: { claims: { username: '{% $user.username %}' } } },
    failed: { type: 'reject', config: { code: '{% err.code %}', message: '{% err.message %}' } },
  },
};

describe.skipIf(skipBrowser)('passkeys in the hosted runner (Chromium, virtual authenticator)', { timeout: 90_000 }, () => {
  let server: TestServer;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    const [started] = await Promise.all([
      startTestServer({ port, env: { RATE_LIMITS: 'off', WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_RP_NAME: 'Journey Engine tests', WEBAUTHN_ORIGINS: base } }),
      ensureDesignerBuilt(),
    ]);
    server = started;
    for (const name of ['mfa', 'login', 'register-passkey']) await server.publish(JSON.parse(readFileSync(`${ROOT}/journeys/${name}.json`, 'utf8')));
    await server.publish(namedSignIn);
    await server.publish(autofillSignIn);
    await seedUser(server, 'paula', PASSWORD);
    browser = await launchBrowser();
    ({ context, page, errors } = await openPage(browser));
    ({ cdp, authenticatorId } = await addVirtualAuthenticator(context, page));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close({ remove: true });
  });

  const passkeyButton = () => page.getByTestId('passkey-button');
  const success = () => page.getByTestId('runner-success');
  const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;

  /** Who the session of the runner's page established, and how (read from the store). */
  async function provedBy(on: Page) {
    const sessionId = new URL(on.url()).searchParams.get('session')!;
    const record = await server.engine.store.sessions.get(sessionId);
    const context = (record!.snapshot as { context: { auth: { userId: string; amr: string[] } | null } }).context;
    const user = context.auth ? await server.engine.store.users.findById(context.auth.userId) : null;
    return { username: user?.username ?? null, amr: context.auth?.amr ?? null };
  }

  async function signInWithoutUsername() {
    await page.goto(`${base}/run/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await passkeyButton().waitFor();
    await passkeyButton().click();
  }

  it('registers a passkey through register-passkey (password first)', async ({ onTestFailed }) => {
    onTestFailed(() => screenshot(page, 'passkey-register'));
    await page.goto(`${base}/run/register-passkey`);
    await page.getByLabel('Username').fill('paula');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await passkeyButton().waitFor();
    expect(await passkeyButton().textContent()).toBe('Create a passkey');
    await passkeyButton().click();
    await success().waitFor();

    const stored = await credentials();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    const user = (await server.admin('GET', '/v1/admin/users?username=paula')).body[0];
    const passkeys = user.authenticators.filter((a: { type: string }) => a.type === 'passkey');
    expect(passkeys).toHaveLength(1);
    expect(passkeys[0]).toMatchObject({ name: 'Passkey', backupEligible: false, lastUsedAt: null });
    expect(errors).toEqual([]);
  });

  it('signs in through login without typing a username: the passkey names the user (amr hwk)', async ({ onTestFailed }) => {
    onTestFailed(() => screenshot(page, 'passkey-usernameless'));
    await signInWithoutUsername();
    await success().waitFor();
    expect(await provedBy(page)).toEqual({ username: 'paula', amr: ['hwk'] });
    const user = (await server.admin('GET', '/v1/admin/users?username=paula')).body[0];
    expect(user.authenticators.find((a: { type: string }) => a.type === 'passkey').lastUsedAt).not.toBeNull();
  });

  it('signs in with a username: only that user\'s passkeys are allowed', async ({ onTestFailed }) => {
    onTestFailed(() => screenshot(page, 'passkey-named'));
    await page.goto(`${base}/run/passkey-named`);
    await page.getByLabel('Username').fill('paula');
    await page.getByRole('button', { name: 'Next' }).click();
    await passkeyButton().click();
    await success().waitFor();
    expect(await provedBy(page)).toEqual({ username: 'paula', amr: ['hwk'] });

    // Another name: paula's passkey is not offered (the browser finds none), so nothing signs in.
    await page.goto(`${base}/run/passkey-named`);
    await page.getByLabel('Username').fill('nobody-here');
    await page.getByRole('button', { name: 'Next' }).click();
    await passkeyButton().click();
    await page.getByTestId('step-error').filter({ hasText: 'cancelled or timed out' }).waitFor();
    expect(await success().count()).toBe(0);
  });

  it('refuses a cloned credential whose counter is stale (counter_mismatch)', async ({ onTestFailed }) => {
    onTestFailed(() => screenshot(page, 'passkey-clone'));
    const [original] = await credentials();
    expect(original.signCount).toBeGreaterThan(1);
    // The clone: the same key and id, its counter behind the one the server saw last.
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: original.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...original, signCount: 0 } });
    await signInWithoutUsername();
    await page.getByTestId('step-error').filter({ hasText: 'may have been copied' }).waitFor();
    expect(await success().count()).toBe(0);
  });

  it('a cancelled ceremony shows the message and lets the user try again', async ({ onTestFailed }) => {
    onTestFailed(() => screenshot(page, 'passkey-cancelled'));
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    try {
      await signInWithoutUsername();
      await page.getByTestId('step-error').filter({ hasText: 'cancelled or timed out' }).waitFor();
      await passkeyButton().waitFor();
      expect(await passkeyButton().isEnabled()).toBe(true);
    } finally {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    }
  });

  it('says so when the browser has no passkey support', async ({ onTestFailed }) => {
    const plain = await openPage(browser);
    onTestFailed(() => screenshot(plain.page, 'passkey-unsupported'));
    await plain.context.addInitScript(() => {
      delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
    });
    try {
      await plain.page.goto(`${base}/run/login`);
      await plain.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await plain.page.getByTestId('passkey-unsupported').waitFor();
      expect(await plain.page.getByTestId('passkey-button').isDisabled()).toBe(true);
      // The other way stays open.
      await plain.page.getByRole('button', { name: 'Use your password instead' }).click();
      await plain.page.getByLabel('Username').waitFor();
    } finally {
      await plain.context.close();
    }
  });

  it('offers passkeys in the username field (conditional UI); a typed username goes on the usual way', async ({ onTestFailed }) => {
    onTestFailed(() => screenshot(page, 'passkey-autofill'));
    // Only a fresh credential of a second user on the device (the authenticator would offer the first).
    for (const credential of await credentials()) await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential.credentialId });
    await seedUser(server, 'quentin', PASSWORD);
    await page.goto(`${base}/run/register-passkey`);
    await page.getByLabel('Username').fill('quentin');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await passkeyButton().click();
    await success().waitFor();

    // Without a passkey on the device the conditional request waits: the field offers passkeys
    // (autocomplete "username webauthn") and a typed username takes the usual way.
    const bare = await openPage(browser);
    try {
      await bare.page.goto(`${base}/run/passkey-autofill`);
      const username = bare.page.getByLabel('Username');
      await username.waitFor();
      expect(await username.getAttribute('autocomplete')).toBe('username webauthn');
      await username.fill('someone');
      await bare.page.getByRole('button', { name: 'Continue' }).click();
      await bare.page.getByText('typed someone').waitFor();
    } finally {
      await bare.context.close();
    }

    // With the passkey on the device, the pending conditional request is answered with it (the
    // virtual authenticator stands for the user picking it from the field's suggestions).
    await page.goto(`${base}/run/passkey-autofill`);
    await success().waitFor({ timeout: 15_000 });
    expect(await provedBy(page)).toEqual({ username: 'quentin', amr: ['hwk'] });
  });
});
