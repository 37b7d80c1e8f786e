/**
 * The designer application: sign-in with the admin key (kept in sessionStorage), the journey
 * list, and the editor. Routes are real paths under /designer/ (the server answers index.html
 * for each), with a guard against leaving an editor with unsaved changes.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import './App.css';
import { AdminApi, storeAdminKey, storedAdminKey, UNAUTHORIZED_EVENT } from '../api/admin.js';
import { ApiError } from '../api/http.js';
import type { StepCatalogueEntry as CatalogueEntry } from '../../../engine/http/contract/types.js';
import { FeedbackProvider, useFeedback } from '../ui/feedback.js';
import { takePrefetchedCatalogue } from './prefetched.js';
import { JourneyList } from './JourneyList.js';
import { ClientList } from './clients/ClientList.js';
import { Logo } from '../ui/Logo.js';
import { parseRoute, type Route } from './routes.js';
import { useEditorModule } from './use-editor-module.js';

export function App() {
  return (
    <FeedbackProvider>
      <Shell />
    </FeedbackProvider>
  );
}

function Shell() {
  const [key, setKey] = useState<string | null>(() => storedAdminKey());
  // The prefetched catalogue, when it has arrived before the app started: the first render uses it.
  const [arrived] = useState(() => {
    const key = storedAdminKey();
    const hit = key ? takePrefetchedCatalogue(key) : null;
    return { key, hit };
  });
  const [catalogue, setCatalogue] = useState<CatalogueEntry[] | null>(arrived.hit?.value ?? null);
  const pendingCatalogue = useRef<typeof arrived | null>(arrived);
  const [signInError, setSignInError] = useState<string | null>(null);
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));
  const editor = useEditorModule(route.page === 'editor');
  const guard = useRef<(() => boolean) | null>(null);
  const path = useRef(window.location.pathname);
  const feedback = useFeedback();
  const api = useRef<AdminApi | null>(null);
  if (key && api.current?.key !== key) api.current = new AdminApi(key);

  // Check the key and load the step catalogue (the palette, the forms and the validator come from it).
  useEffect(() => {
    const prefetched = pendingCatalogue.current?.key === key ? pendingCatalogue.current.hit : null;
    pendingCatalogue.current = null;
    if (!key || prefetched?.value) return;
    let cancelled = false;
    setCatalogue(null);
    (prefetched?.promise ?? new AdminApi(key).catalogue())
      .then((entries) => {
        if (!cancelled) setCatalogue(entries);
      })
      .catch((e) => {
        if (cancelled) return;
        storeAdminKey(null);
        setKey(null);
        setSignInError(
          e instanceof ApiError && e.status === 401
            ? 'That key was not accepted.'
            : e instanceof ApiError && e.status === 403
              ? 'That is an app key: the designer needs the admin key.'
              : `The server could not be reached: ${(e as Error).message}`,
        );
      });
    return () => {
      cancelled = true;
    };
  }, [key]);

  const setLeaveGuard = useCallback((g: (() => boolean) | null) => {
    guard.current = g;
  }, []);

  const mayLeave = useCallback(async () => {
    if (!guard.current?.()) return true;
    return feedback.confirm({
      title: 'Leave without saving?',
      message: 'The draft has changes that are not saved. They will be lost.',
      confirmLabel: 'Leave',
      cancelLabel: 'Stay',
      danger: true,
    });
  }, [feedback]);

  const navigate = useCallback(
    async (to: string) => {
      if (to === window.location.pathname) return;
      if (!(await mayLeave())) return;
      guard.current = null;
      window.history.pushState(null, '', to);
      path.current = to;
      setRoute(parseRoute(to));
    },
    [mayLeave],
  );

  useEffect(() => {
    const onPop = async () => {
      const next = window.location.pathname;
      if (guard.current?.()) {
        // Put the editor back while asking; go on only if the user agrees.
        window.history.pushState(null, '', path.current);
        if (!(await mayLeave())) return;
        guard.current = null;
        window.history.pushState(null, '', next);
      }
      path.current = next;
      setRoute(parseRoute(next));
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, [mayLeave]);

  useEffect(() => {
    const onUnauthorized = () => {
      guard.current = null;
      storeAdminKey(null);
      setKey(null);
      setCatalogue(null);
      api.current = null;
      setSignInError('The admin key is no longer accepted. Sign in again.');
    };
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);

  const signOut = useCallback(async () => {
    if (!(await mayLeave())) return;
    guard.current = null;
    storeAdminKey(null);
    setKey(null);
    setCatalogue(null);
    api.current = null;
  }, [mayLeave]);

  if (!key) {
    return (
      <SignIn
        error={signInError}
        onSubmit={(k) => {
          setSignInError(null);
          storeAdminKey(k);
          setKey(k);
        }}
      />
    );
  }
  if (!catalogue || !api.current) return <Connecting />;
  if (route.page === 'editor') {
    if (editor.error) {
      return (
        <div className="page-message">
          <h1>Cannot open the editor</h1>
          <p>Its code could not be loaded: {editor.error.message}</p>
          <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      );
    }
    if (!editor.module) return <Connecting />;
    const { Editor } = editor.module;
    return <Editor key={`${route.journeyId}:${route.version}`} api={api.current} catalogue={catalogue} journeyId={route.journeyId} version={route.version} navigate={navigate} setLeaveGuard={setLeaveGuard} />;
  }
  if (route.page === 'clients') return <ClientList api={api.current} navigate={navigate} onSignOut={signOut} />;
  return <JourneyList api={api.current} navigate={navigate} onSignOut={signOut} catalogueSize={catalogue.length} />;
}

function Connecting() {
  return (
    <div className="page-message" role="status">
      <span className="sv-spinner" aria-hidden="true" /> Loading…
    </div>
  );
}

function SignIn({ error, onSubmit }: { error: string | null; onSubmit: (key: string) => void }) {
  const [value, setValue] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const message = local ?? error;
  useEffect(() => {
    document.title = 'Sign in · Journey designer';
  }, []);
  return (
    <div className="signin-page">
      <form
        className="signin-card"
        onSubmit={(e) => {
          e.preventDefault();
          const key = value.trim();
          if (!key) {
            setLocal('Enter the admin API key.');
            return;
          }
          setLocal(null);
          onSubmit(key);
        }}
        noValidate
      >
        <div className="brand">
          <Logo />
          <span>Journey designer</span>
        </div>
        <h1>Sign in</h1>
        <p className="signin-text">Use the server’s admin API key. It is kept in this browser tab only and forgotten when the tab closes.</p>
        <div className="ins-field">
          <label htmlFor="admin-key">Admin API key</label>
          <input
            id="admin-key"
            className={`ins-input${message ? ' ins-input-invalid' : ''}`}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? 'signin-error' : 'signin-help'}
            autoFocus
            data-testid="admin-key"
          />
          {message ? (
            <p id="signin-error" className="ins-error" role="alert">
              {message}
            </p>
          ) : (
            <p id="signin-help" className="ins-help">
              Printed once on the server’s first start, with the file that keeps it: <code>admin-api-key</code> in its
              data directory (<code>DATA_DIR</code>, <code>./data</code> by default).
            </p>
          )}
        </div>
        <button type="submit" className="btn btn-primary btn-block" data-testid="sign-in">
          Sign in
        </button>
      </form>
    </div>
  );
}
