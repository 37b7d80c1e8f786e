/**
 * The provider's few HTML pages: consent, sign-out confirmation, signed out, and errors. No
 * script, no inline style beyond one stylesheet element, every value escaped.
 */
const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}' +
  'button{font:inherit;padding:.5rem 1rem;margin-right:.5rem;border-radius:6px;border:1px solid #9ca3af;background:#fff;cursor:pointer}' +
  'button.primary{background:#1d4ed8;border-color:#1d4ed8;color:#fff}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}';

export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function errorPage(error: string, description: string): string {
  return page('Sign-in error', `<h1>Sign-in could not continue</h1><p><code>${escapeHtml(error)}</code></p><p>${escapeHtml(description)}</p>`);
}

export function consentPage(options: { clientName: string; scopes: string[]; action: string; abort: string }): string {
  const items = options.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  return page(
    'Allow access',
    `<h1>${escapeHtml(options.clientName)} asks to sign you in</h1><p>It will be able to read:</p><ul>${items || '<li>your account id</li>'}</ul>` +
      `<form method="post" action="${escapeHtml(options.action)}"><button class="primary" type="submit">Allow</button></form>` +
      `<form method="post" action="${escapeHtml(options.abort)}"><button type="submit">Deny</button></form>`,
  );
}

/** `form` is oidc-provider's hidden form (its own escaping); the button submits it. */
export function logoutPage(form: string): string {
  return page('Sign out', `${form}<h1>Sign out?</h1><button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button><button type="submit" form="op.logoutForm">Stay signed in</button>`);
}

export function loggedOutPage(): string {
  return page('Signed out', '<h1>You are signed out</h1>');
}
