/**
 * Email link pages (email.link): `GET /v1/links/{token}` shows one button and changes nothing (mail
 * scanners that prefetch links consume nothing); `POST /v1/links/{token}` proves the link for its
 * waiting session and resumes it. In the browser that started (its device cookie) one press is
 * enough; in another browser only when the step allows it, and after typing the code the first
 * screen shows. Every answer is a small HTML page, never cached, never sending a Referer; the
 * token is never logged (the request log redacts these paths) nor echoed in a page.
 */
import { createHash } from 'node:crypto';
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { LINK_CODE_ATTEMPTS, type EmailLinkService } from '../links/email-links.js';
import { EngineError } from '../runtime/errors.js';
import type { SessionService } from '../runtime/session-service.js';
import type { EmailLinkRecord, Store } from '../store/store.js';
import { readDeviceCookie } from './device-cookie.js';
import type { Operations } from './operations.js';
import { isAtStep } from '../runtime/calls/step-path.js';

export interface LinkRouteDeps {
  links: EmailLinkService;
  sessions: SessionService;
  store: Store;
  now: () => Date;
  logger: Logger;
}

/** The request log shows `/v1/links/[redacted]` for these paths: a token in a log is a usable link. */
export function redactLinkPath(path: string): string {
  return path.replace(/^\/v1\/links\/[^/?#]*/i, '/v1/links/[redacted]');
}

const STYLE =
  'body{font-family:system-ui,-apple-system,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1.25rem;color:#1f2937;line-height:1.5}' +
  'h1{font-size:1.4rem;margin:0 0 .75rem}p{margin:0 0 1rem}' +
  'button{font:inherit;font-weight:600;padding:.7rem 1.2rem;border:0;border-radius:8px;background:#2563eb;color:#fff;cursor:pointer;width:100%}' +
  'label{display:block;font-weight:600;margin-bottom:.35rem}' +
  'input{font:inherit;font-size:1.3rem;letter-spacing:.2em;padding:.55rem .7rem;border:1px solid #9ca3af;border-radius:8px;width:100%;box-sizing:border-box;margin-bottom:1rem}' +
  '.error{color:#b91c1c;font-weight:600}';
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

const HEADERS = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'X-Robots-Tag': 'noindex',
};

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Page {
  status: number;
  /** A stable name of the outcome (`data-outcome`), for tests and support. */
  outcome: string;
  title: string;
  text: string[];
  /** A form posting back to this same address: one button, or a code field and a button. */
  form?: { button: string; code?: boolean; error?: string };
}

function send(res: Response, page: Page): void {
  const paragraphs = page.text.map((t) => `<p>${escape(t)}</p>`).join('');
  let form = '';
  if (page.form) {
    const error = page.form.error ? `<p class="error" role="alert">${escape(page.form.error)}</p>` : '';
    const code = page.form.code
      ? '<label for="code">Code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required autofocus>'
      : '';
    // No action: the form posts to this very address, so the token is never written into the page.
    form = `<form method="post">${error}${code}<button type="submit">${escape(page.form.button)}</button></form>`;
  }
  res
    .status(page.status)
    .set(HEADERS)
    .type('html')
    .send(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
        `<meta name="referrer" content="no-referrer"><title>${escape(page.title)}</title><style>${STYLE}</style></head>` +
        `<body><main data-outcome="${escape(page.outcome)}"><h1>${escape(page.title)}</h1>${paragraphs}${form}</main></body></html>`,
    );
}

const PAGES = {
  unknown: {
    status: 404,
    outcome: 'unknown',
    title: 'This link is not valid',
    text: ['It may be incomplete, or a newer link replaced it. Use the link in the most recent email, or ask for a new one where you started.'],
  },
  used: { status: 410, outcome: 'used', title: 'This link was already used', text: ['Each link works once. If you still need to sign in, ask for a new link where you started.'] },
  expired: { status: 410, outcome: 'expired', title: 'This link has expired', text: ['Ask for a new link where you started.'] },
  blocked: {
    status: 410,
    outcome: 'blocked',
    title: 'This link no longer works',
    text: [`The code was entered wrongly ${LINK_CODE_ATTEMPTS} times, so the link was blocked. Ask for a new link where you started.`],
  },
  ended: {
    status: 409,
    outcome: 'session_ended',
    title: 'This sign-in is no longer waiting for the link',
    text: ['It has finished, expired or moved on. Start again where you started if you still need to sign in.'],
  },
  otherDevice: {
    status: 403,
    outcome: 'other_device',
    title: 'Open this link in the browser where you started',
    text: [
      'For your security, this link only works in the browser and on the device where you asked for it.',
      'Open the email there (or copy the link into that browser) and press the button again.',
    ],
  },
} satisfies Record<string, Page>;

export function linkRoutes(deps: LinkRouteDeps, operations: Operations): Router {
  const router = Router();

  /** The link and its page when it cannot be used (unknown, used, expired, blocked, session no longer waiting). */
  async function usable(token: string): Promise<{ link: EmailLinkRecord } | { page: Page }> {
    const link = await deps.links.find(token);
    if (!link) return { page: PAGES.unknown };
    const state = deps.links.state(link);
    if (state !== 'pending') return { page: PAGES[state] };
    const session = await deps.store.sessions.get(link.sessionId);
    const waiting =
      session !== null && session.status === 'waiting' && isAtStep(session.stepId, link.stepId) && deps.now().getTime() <= Date.parse(session.expiresAt);
    return waiting ? { link } : { page: PAGES.ended };
  }

  operations.handle(router, 'showEmailLink', async (req, res) => {
    const found = await usable(String(req.params.token));
    if ('page' in found) return send(res, found.page);
    send(res, {
      status: 200,
      outcome: 'confirm',
      title: 'Continue signing in',
      text: ['Press the button to confirm it is you.'],
      form: { button: 'Continue signing in' },
    });
  });

  operations.handle(
    router,
    'useEmailLink',
    async (req, res) => {
      const found = await usable(String(req.params.token));
      if ('page' in found) return send(res, found.page);
      const { link } = found;

      if (deps.links.sameDevice(link, readDeviceCookie(req))) {
        if (!(await deps.links.consume(link))) return send(res, PAGES.used);
        if (!(await resume(link))) return send(res, PAGES.ended);
        return send(res, {
          status: 200,
          outcome: 'done',
          title: 'Done — continue in the window where you started',
          text: ['You are signed in there. You can close this tab.'],
        });
      }

      if (link.codeHash === null) return send(res, PAGES.otherDevice);
      const typed = typeof (req.body as { code?: unknown } | undefined)?.code === 'string' ? ((req.body as { code: string }).code) : '';
      const askCode = (status: number, error?: string): void =>
        send(res, {
          status,
          outcome: error ? 'wrong_code' : 'code',
          title: 'Enter the code from your other screen',
          text: ['You opened this link on another device than the one where you started. Type the code shown there.'],
          form: { button: 'Confirm', code: true, error },
        });
      if (typed.trim() === '') return askCode(200);
      if (typed.length > 16) return askCode(400, 'That code is not right.');

      const checked = await deps.links.checkCode(link, typed);
      if (checked.result === 'blocked') return send(res, PAGES.blocked);
      if (checked.result === 'wrong') {
        return askCode(400, `That code is not right: ${checked.attemptsLeft} attempt${checked.attemptsLeft === 1 ? '' : 's'} left.`);
      }
      if (!(await deps.links.consume(link))) return send(res, PAGES.used);
      if (!(await resume(link))) return send(res, PAGES.ended);
      send(res, {
        status: 200,
        outcome: 'done_other_device',
        title: 'Done — return to your other device',
        text: ['You are signed in there. You can close this tab.'],
      });
    },
    { before: [express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 5 })] },
  );

  /**
   * Moves the session on with the step's `check`. A submit of the client running at the same moment
   * holds the session briefly: retried a few times. False when the session no longer waits for it.
   */
  async function resume(link: EmailLinkRecord): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await deps.sessions.resume(link.sessionId, { stepId: link.stepId, option: 'check' });
        return true;
      } catch (error) {
        if (!(error instanceof EngineError)) throw error;
        if (error.code !== 'conflict' || attempt >= 10) return false;
        await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
      }
    }
  }

  // Malformed bodies are the client's (a page, 400); anything else is logged (without the path) and a 500 page.
  const pageErrors: ErrorRequestHandler = (error, req: Request, res: Response, _next) => {
    if (res.headersSent) return;
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return send(res, { status: 400, outcome: 'bad_request', title: 'This request could not be read', text: ['Go back and try again.'] });
    }
    ((req as { log?: Logger }).log ?? deps.logger).error({ err: error }, 'email link page failed');
    send(res, { status: 500, outcome: 'error', title: 'Something went wrong', text: ['Nothing was changed. Try again in a moment.'] });
  };
  router.use('/v1/links', pageErrors);
  return router;
}
