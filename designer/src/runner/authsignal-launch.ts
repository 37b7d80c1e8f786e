/**
 * Authsignal's `launch()` (@authsignal/browser, #22) against the hosted runner. In popup mode the
 * SDK frames the track's `url` (with `&mode=popup` added, which lands in the runner's fragment
 * beside `t=`) in an iframe on the app's page; in window mode it opens it in a new window. Either
 * way it waits for messages from the runner's origin: `AUTHSIGNAL_READY` (reveal the popup), raw
 * `{ height }` objects (size the iframe), and `AUTHSIGNAL_CLOSE_POPUP` with the token, which closes
 * the popup and resolves `launch()` with `{ token }` for the app's backend to validate. Redirect
 * mode needs nothing here: the runner goes back to the track's `redirectUrl` with `token=`.
 *
 * The messages go to the launching page's origin only, never `*`: the framing origin as the
 * browser reports it (the page was allowed to frame the runner by FRAME_ANCESTORS), or the opener's
 * from the referrer.
 */

const CLOSE_POPUP = 'AUTHSIGNAL_CLOSE_POPUP';
const READY = 'AUTHSIGNAL_READY';

export type LaunchMode = 'popup';

/** `mode=popup` in the runner's address (fragment, where the SDK's `&mode=popup` lands, or query). */
export function launchModeOf(location: Pick<Location, 'hash' | 'search'>): LaunchMode | null {
  const mode = new URLSearchParams(location.hash.replace(/^#/, '')).get('mode') ?? new URLSearchParams(location.search).get('mode');
  return mode === 'popup' ? 'popup' : null;
}

function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** The window that launched the runner and its origin: the page framing it, else its opener. */
function launcher(): { target: Window; origin: string } | null {
  if (window.parent !== window) {
    const origin = window.location.ancestorOrigins?.[0] ?? originOf(document.referrer);
    return origin ? { target: window.parent, origin } : null;
  }
  const opener = window.opener as Window | null;
  if (opener) {
    const origin = originOf(document.referrer);
    return origin ? { target: opener, origin } : null;
  }
  return null;
}

/** Hands the completion token to the launching page; false when there is none to hand it to. */
export function returnToLauncher(token: string): boolean {
  const to = launcher();
  if (!to) return false;
  to.target.postMessage(JSON.stringify({ event: CLOSE_POPUP, token }), to.origin);
  return true;
}

/** Tells the launching page the runner is shown, and how tall it is (the SDK sizes its iframe). */
export function reportFrame(): void {
  const to = launcher();
  if (!to) return;
  to.target.postMessage(JSON.stringify({ event: READY }), to.origin);
  to.target.postMessage({ height: document.documentElement.scrollHeight }, to.origin);
}
