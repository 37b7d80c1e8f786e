/**
 * The hosted runner: /run/{journeyId} starts a new session of a public journey;
 * /run/{journeyId}?session={id}#t={token} resumes one. Each waiting step is shown with the shared
 * generic renderer; on completion the browser goes to the session's redirect URL with `token=` added,
 * or a success page is shown (with, for a developer trying a journey, the token and how to check it).
 * Everything is shown in the user's language (runner-i18n.ts): the runner's own texts and the
 * journey's `texts`.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../api/http.js';
import { getSession, startJourney, submitStep } from '../api/client.js';
import type { StepResponse } from '../../../engine/http/contract/types.js';
import type { JsonObject } from '../../../engine/http/contract/journey-document.js';
import { StepView, Spinner } from '../renderer/StepView.js';
import { humanize, sentence } from '../renderer/schema-fields.js';
import { TextsContext, type Translate } from '../renderer/texts.js';
import { refusalText } from '../renderer/error-texts.js';
import { addJourneyTexts, createRunnerI18n, negotiateLanguage, requestedLanguages, SHIPPED_LANGUAGES, translatorFor } from './runner-i18n.js';
import { localizeResponse } from './localize.js';
import { DeveloperToken } from './DeveloperToken.js';
import { launchModeOf, reportFrame, returnToLauncher } from './authsignal-launch.js';

/** How often the runner asks whether an email link was used while it waits for one. */
const LINK_POLL_MS = 2000;

type View =
  | { kind: 'loading'; message: string }
  | { kind: 'step'; response: StepResponse }
  | { kind: 'redirecting'; to: string }
  | { kind: 'success'; token: string | null }
  | { kind: 'returned' }
  | { kind: 'ended'; title: string; message: string; restart: boolean };

export function parseRunnerLocation(location: Location): { journeyId: string; sessionId: string | null; token: string | null } {
  const match = /^\/run\/([^/?#]+)/.exec(location.pathname);
  const journeyId = match ? decodeURIComponent(match[1]) : '';
  const sessionId = new URLSearchParams(location.search).get('session');
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('t');
  return { journeyId, sessionId, token };
}

export function withToken(redirectUrl: string, token: string): string {
  return withParam(redirectUrl, 'token', token);
}

function withParam(redirectUrl: string, name: string, value: string): string {
  const url = new URL(redirectUrl, window.location.href);
  url.searchParams.set(name, value);
  return url.toString();
}

export function RunnerApp() {
  const [{ journeyId, sessionId, token }] = useState(() => parseRunnerLocation(window.location));
  const [i18n] = useState(createRunnerI18n);
  const requested = useMemo(() => requestedLanguages(window.location.search, navigator.languages ?? []), []);
  const [language, setLanguage] = useState(() => negotiateLanguage(requested, SHIPPED_LANGUAGES));
  const languageRef = useRef(language);
  const t = useMemo(() => translatorFor(i18n, language), [i18n, language]);
  const [view, setView] = useState<View>({ kind: 'loading', message: t(sessionId ? 'loading.resuming' : 'loading.starting') });
  const session = useRef<{ sessionId: string; sessionToken: string } | null>(sessionId && token ? { sessionId, sessionToken: token } : null);
  const live = useRef<HTMLDivElement>(null);
  // Authsignal's launch() (#22): in popup / window mode the token goes back to the launching page.
  const [launched] = useState(() => launchModeOf(window.location));

  const show = useCallback(
    async (original: StepResponse) => {
      // The journey's texts come with its responses: its locales join the negotiation.
      const locales = addJourneyTexts(i18n, original.ui?.texts);
      const lng = negotiateLanguage(requested, [...SHIPPED_LANGUAGES, ...locales]);
      if (lng !== languageRef.current) {
        languageRef.current = lng;
        setLanguage(lng);
      }
      const response = localizeResponse(original, (text) => i18n.t(text, { ns: 'journey', lng, defaultValue: text }));
      session.current = { sessionId: response.sessionId, sessionToken: response.sessionToken };
      if (response.status === 'waiting' && response.step) {
        setView({ kind: 'step', response });
        return;
      }
      if (response.status === 'completed') {
        if (launched && response.result?.token && returnToLauncher(response.result.token)) {
          setView({ kind: 'returned' });
          return;
        }
        const redirect = response.ui?.redirectUrl ?? null;
        if (redirect && response.result?.token) {
          const to = withToken(redirect, response.result.token);
          setView({ kind: 'redirecting', to });
          window.location.replace(to);
        } else {
          setView({ kind: 'success', token: response.result?.token ?? null });
        }
        return;
      }
      // A session that ends refused goes back with `error=` (rejected or failed) only to the
      // engine's own pages (the OpenID provider, which answers the app with access_denied); an
      // app's redirect URL is for tokens, and its user sees the ended page here.
      const redirect = response.ui?.redirectUrl ?? null;
      const ownPage = redirect !== null && new URL(redirect, window.location.href).origin === window.location.origin;
      if (redirect && ownPage && (response.status === 'rejected' || response.status === 'failed')) {
        const to = withParam(redirect, 'error', response.status);
        setView({ kind: 'redirecting', to });
        window.location.replace(to);
        return;
      }
      setView(endedView(response.status, response.error, translatorFor(i18n, lng)));
    },
    [journeyId, i18n, requested, launched],
  );

  const fail = useCallback((error: unknown) => {
    if (error instanceof ApiError) {
      if (error.code === 'session_expired') setView({ kind: 'ended', title: t('ended.expiredTitle'), message: t('ended.expiredText'), restart: true });
      else if (error.code === 'not_found') setView({ kind: 'ended', title: t('ended.notAvailableTitle'), message: t('ended.notFound'), restart: false });
      else if (error.code === 'unauthorized') setView({ kind: 'ended', title: t('ended.badLinkTitle'), message: t('ended.badLinkText'), restart: true });
      else setView({ kind: 'ended', title: t('ended.failedTitle'), message: refusalText(error, t), restart: true });
    } else {
      setView({ kind: 'ended', title: t('ended.failedTitle'), message: t('ended.tryAgain'), restart: true });
    }
  }, [t]);

  useEffect(() => {
    if (!journeyId) {
      setView({ kind: 'ended', title: t('ended.notAvailableTitle'), message: t('ended.noJourney'), restart: false });
      return;
    }
    const run = async () => {
      try {
        if (session.current) {
          await show(await getSession(session.current.sessionId, session.current.sessionToken));
        } else {
          const response = await startJourney(journeyId, { ui: {} });
          // Keep the session (and an asked-for language) in the address, so a reload resumes it instead of starting over.
          const lang = new URLSearchParams(window.location.search).get('lang');
          const path = `/run/${encodeURIComponent(journeyId)}?session=${encodeURIComponent(response.sessionId)}${lang ? `&lang=${encodeURIComponent(lang)}` : ''}#t=${encodeURIComponent(response.sessionToken)}`;
          window.history.replaceState(null, '', path);
          await show(response);
        }
      } catch (error) {
        if (error instanceof ApiError && error.code === 'unauthorized' && !session.current) {
          setView({ kind: 'ended', title: t('ended.notAvailableTitle'), message: t('ended.notPublic'), restart: false });
        } else fail(error);
      }
    };
    void run();
  }, [journeyId, show, fail]);

  // email.link: the link is proved in another tab or on another device, which resumes the session
  // server-side; polling the session moves this page on by itself.
  useEffect(() => {
    if (view.kind !== 'step' || view.response.step?.type !== 'email.link') return;
    const waitingAt = view.response.step.id;
    let stopped = false;
    const timer = setInterval(async () => {
      if (!session.current) return;
      try {
        const next = await getSession(session.current.sessionId, session.current.sessionToken);
        if (!stopped && (next.status !== 'waiting' || next.step?.id !== waitingAt)) await show(next);
      } catch (error) {
        // A connection hiccup: poll again. A session that expired or is gone: say so.
        if (!stopped && error instanceof ApiError && error.code !== 'network_error' && error.status < 500) fail(error);
      }
    }, LINK_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [view, show, fail]);

  const onSubmit = useCallback(
    async (option: string, data?: JsonObject) => {
      if (view.kind !== 'step' || !session.current) return;
      try {
        await show(await submitStep(session.current, view.response.step!.id, option, data));
      } catch (error) {
        if (error instanceof ApiError && (error.code === 'stale_step' || error.code === 'session_ended')) {
          await show(await getSession(session.current.sessionId, session.current.sessionToken));
          return;
        }
        if (error instanceof ApiError && error.status === 422) throw error;
        if (error instanceof ApiError && (error.code === 'rate_limited' || error.code === 'network_error' || error.code === 'conflict')) throw error;
        fail(error);
      }
    },
    [view, show, fail],
  );

  // The page's language and direction follow the negotiated language (dir="rtl" for Arabic, Hebrew…).
  useEffect(() => {
    document.documentElement.lang = language;
    document.documentElement.dir = i18n.dir(language);
  }, [i18n, language]);

  useEffect(() => {
    if (launched) reportFrame();
  }, [view, launched]);

  useEffect(() => {
    const titles: Record<View['kind'], string> = { loading: t('title.loading'), step: '', redirecting: t('title.redirecting'), success: t('title.done'), returned: t('title.done'), ended: '' };
    const title =
      view.kind === 'step' ? String(view.response.step!.data?.title ?? view.response.step!.name ?? humanize(view.response.step!.id)) : view.kind === 'ended' ? view.title : titles[view.kind];
    document.title = title;
    if (view.kind !== 'step' && live.current) live.current.focus();
  }, [view, t]);

  const restart = () => {
    const lang = new URLSearchParams(window.location.search).get('lang');
    window.location.assign(`/run/${encodeURIComponent(journeyId)}${lang ? `?lang=${encodeURIComponent(lang)}` : ''}`);
  };

  return (
    <TextsContext.Provider value={t}>
    <div className="rn-page">
      <header className="rn-brand">
        <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
          <path fill="currentColor" d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3Zm-1.2 14.2-3.5-3.5 1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4-6.3 6.3Z" />
        </svg>
        <span>{t('brand')}</span>
      </header>
      <main className="rn-card" aria-busy={view.kind === 'loading' || view.kind === 'redirecting'}>
        {view.kind === 'loading' && (
          <div className="rn-center" role="status" tabIndex={-1} ref={live}>
            <Spinner />
            <span>{view.message}</span>
          </div>
        )}
        {view.kind === 'step' && <StepView key={`${view.response.step!.id}`} response={view.response} onSubmit={onSubmit} />}
        {view.kind === 'redirecting' && (
          <div className="rn-center" role="status" tabIndex={-1} ref={live}>
            <Spinner />
            <span>{t('redirecting.text')}</span>
            <a className="sv-link" href={view.to}>
              {t('redirecting.continue')}
            </a>
          </div>
        )}
        {view.kind === 'success' && (
          <div className="rn-outcome" role="status" tabIndex={-1} ref={live} data-testid="runner-success">
            <div className="rn-icon rn-icon-success" aria-hidden="true">
              <svg viewBox="0 0 24 24" width="28" height="28">
                <path fill="none" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round" d="m5 12.5 4.5 4.5L19 7.5" />
              </svg>
            </div>
            <h1 className="sv-title">{t('success.title')}</h1>
            <p className="sv-text">{t('success.text')}</p>
            {view.token && <DeveloperToken token={view.token} />}
          </div>
        )}
        {view.kind === 'returned' && (
          <div className="rn-center" role="status" tabIndex={-1} ref={live} data-testid="runner-returned">
            <span>{t('launch.returning')}</span>
          </div>
        )}
        {view.kind === 'ended' && (
          <div className="rn-outcome" role="alert" tabIndex={-1} ref={live} data-testid="runner-ended">
            <div className="rn-icon rn-icon-error" aria-hidden="true">
              <svg viewBox="0 0 24 24" width="26" height="26">
                <path fill="none" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" d="M12 7v6m0 4v.01" />
              </svg>
            </div>
            <h1 className="sv-title">{view.title}</h1>
            <p className="sv-text">{view.message}</p>
            {view.restart && (
              <button type="button" className="sv-button sv-primary" onClick={restart} data-testid="runner-retry">
                {t('ended.retry')}
              </button>
            )}
          </div>
        )}
      </main>
      <footer className="rn-footer">{t('footer')}</footer>
    </div>
    </TextsContext.Provider>
  );
}

/** A rejected or failed session shows the journey's message (translated when the journey gives it), and a retry. */
function endedView(status: string, error: { code: string; message: string; attemptsLeft?: number; retryAfter?: number } | null, t: Translate): View {
  const message = error ? refusalText(error, t) : '';
  if (status === 'rejected') return { kind: 'ended', title: t('ended.rejectedTitle'), message: message || t('ended.rejectedText'), restart: true };
  if (status === 'expired') return { kind: 'ended', title: t('ended.expiredTitle'), message: t('ended.expiredText'), restart: true };
  return { kind: 'ended', title: t('ended.failedTitle'), message: message || t('ended.failedText'), restart: true };
}
