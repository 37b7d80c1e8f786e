/**
 * Interactions are journeys. A login prompt starts the client's journey (or the one its
 * `acr_values` ask for) in the hosted runner, which comes back here when the journey ends; the
 * result is read from the engine's own store, never taken from the browser: the session must
 * have completed, the browser must hold its (single-use) result token, and the session must have
 * established its user. A consent prompt is granted at once for first-party clients, else asked.
 */
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { ensureDeviceCookie } from '../../engine/http/device-cookie.js';
import { EngineError } from '../../engine/runtime/errors.js';
import type { SessionService } from '../../engine/runtime/session-service.js';
import type { SessionContext } from '../../engine/runtime/session-context.js';
import type { TokenService } from '../../engine/security/tokens.js';
import type { OidcClientRecord, Store } from '../../engine/store/store.js';
import type { AccountClaims } from './claims.js';
import type { OidcClients } from './clients.js';
import { OIDC_TTL } from './provider.js';
import { PAGE_CSP, consentPage, errorPage } from './pages.js';

/** The journey run of an interaction, kept beside the provider's artefacts (not one of its models). */
const RUN_MODEL = 'journey.run';

export interface InteractionDeps {
  provider: () => Promise<Provider>;
  sessions: SessionService;
  tokens: TokenService;
  store: Store;
  clients: OidcClients;
  claims: AccountClaims;
  /** The engine's public base URL: the runner comes back to it. */
  publicUrl: string;
  now: () => Date;
}

interface JourneyRun {
  sessionId: string;
  journeyId: string;
  acr: string | null;
}

export class Interactions {
  constructor(private readonly deps: InteractionDeps) {}

  /** GET /oidc/interaction/{uid}: the provider sends the browser here when it needs the user. */
  async show(req: Request, res: Response): Promise<void> {
    const provider = await this.deps.provider();
    const details = await provider.interactionDetails(req, res);
    sameInteraction(req, details.uid);
    const client = await this.deps.clients.record(String(details.params.client_id));
    if (!client) return this.finish(provider, req, res, { error: 'invalid_client', error_description: 'the client no longer exists' });
    if (details.prompt.name === 'login') return this.startJourney(provider, req, res, details.uid, client, details.params);
    if (details.prompt.name === 'consent') {
      if (client.firstParty) return this.grant(provider, req, res);
      const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      const base = `${this.base()}/interaction/${details.uid}`;
      res
        .status(200)
        .type('html')
        .set({ 'Content-Security-Policy': PAGE_CSP, 'X-Frame-Options': 'DENY' })
        .send(consentPage({ clientName: String(client.metadata.client_name ?? client.id), scopes: missing, action: `${base}/consent`, abort: `${base}/abort` }));
      return;
    }
    return this.finish(provider, req, res, { error: 'interaction_required', error_description: `unsupported prompt ${details.prompt.name}` });
  }

  /** GET /oidc/interaction/{uid}/journey?token=…: the hosted runner's redirect once the journey ended. */
  async journeyEnded(req: Request, res: Response): Promise<void> {
    const provider = await this.deps.provider();
    const details = await provider.interactionDetails(req, res);
    sameInteraction(req, details.uid);
    const stored = await this.deps.store.oidc.find(RUN_MODEL, details.uid, this.deps.now().toISOString());
    if (!stored || details.prompt.name !== 'login') throw new InteractionError('invalid_request', 'no journey is running for this sign-in');
    const run = stored.payload as unknown as JourneyRun;
    const session = await this.deps.store.sessions.get(run.sessionId);
    if (!session) return this.deny(provider, req, res, 'the journey session is gone');
    if (session.status === 'waiting') throw new InteractionError('invalid_request', 'the journey has not finished: go back and complete it');
    await this.deps.store.oidc.destroy(RUN_MODEL, details.uid);
    if (session.status !== 'completed') return this.deny(provider, req, res, `the journey ended ${session.status}`);

    // The browser must hold the session's result token (used up here), and the session must have
    // established its user: a journey that only collected a username cannot sign anyone in.
    const token = typeof req.query.token === 'string' ? req.query.token : null;
    const validation = token ? await this.deps.tokens.validate(token, { journeyId: run.journeyId }) : null;
    if (!validation?.valid || validation.sessionId !== session.id) return this.deny(provider, req, res, "the journey's result was not presented");
    const context = (session.snapshot as unknown as { context: SessionContext }).context;
    const auth = context.auth;
    if (!auth?.userId || validation.userId !== auth.userId) return this.deny(provider, req, res, 'the journey did not establish a user');

    await this.deps.claims.remember(auth.userId, context.result?.claims ?? {});
    const at = auth.authTime ? Date.parse(auth.authTime) : this.deps.now().getTime();
    return this.finish(provider, req, res, {
      login: {
        accountId: auth.userId,
        ...(run.acr ? { acr: run.acr } : {}),
        ...(auth.amr.length ? { amr: auth.amr } : {}),
        ts: Math.floor(at / 1000),
        remember: true,
      },
    });
  }

  /** POST /oidc/interaction/{uid}/consent: the user allowed a third-party client. */
  async consent(req: Request, res: Response): Promise<void> {
    return this.grant(await this.deps.provider(), req, res);
  }

  /** POST /oidc/interaction/{uid}/abort: the user denied the client. */
  async abort(req: Request, res: Response): Promise<void> {
    const provider = await this.deps.provider();
    sameInteraction(req, (await provider.interactionDetails(req, res)).uid);
    return this.deny(provider, req, res, 'the user denied access');
  }

  /** Grants what the consent prompt is missing (a user's Allow, or at once for a first-party client). */
  private async grant(provider: Provider, req: Request, res: Response): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    sameInteraction(req, details.uid);
    if (details.prompt.name !== 'consent') throw new InteractionError('invalid_request', 'this sign-in is not asking for consent');
    const accountId = details.session?.accountId;
    if (!accountId) throw new InteractionError('invalid_request', 'no signed-in user');
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId: String(details.params.client_id) }))
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    const missing = details.prompt.details;
    if (Array.isArray(missing.missingOIDCScope)) grant.addOIDCScope((missing.missingOIDCScope as string[]).join(' '));
    if (Array.isArray(missing.missingOIDCClaims)) grant.addOIDCClaims(missing.missingOIDCClaims as string[]);
    const grantId = await grant.save();
    return this.finish(provider, req, res, { consent: { grantId } }, true);
  }

  private async startJourney(provider: Provider, req: Request, res: Response, uid: string, client: OidcClientRecord, params: Record<string, unknown>): Promise<void> {
    // The first requested acr the client maps to a journey; else the client's own journey.
    const requested = typeof params.acr_values === 'string' ? params.acr_values.split(' ') : [];
    const acr = requested.find((value) => Object.hasOwn(client.acrJourneys, value)) ?? null;
    const journeyId = acr ? client.acrJourneys[acr] : client.journeyId;
    const loginHint = typeof params.login_hint === 'string' && params.login_hint ? params.login_hint : null;
    const ui = { redirectUrl: `${this.deps.publicUrl}/oidc/interaction/${uid}/journey` };
    // The app's key lets the provider start a non-public journey, but login_hint comes from the
    // browser: it is `$input.loginHint`, never a trusted caller's word (it establishes nobody).
    // The browser's device cookie, as a start from the runner would carry it (email links tell it apart).
    const device = ensureDeviceCookie(req, res);
    const start = (input: object) => this.deps.sessions.start(journeyId, { input, ui }, 'app', { inputFromBrowser: true, device, clientAddress: req.ip ?? null });
    let started;
    try {
      try {
        started = await start(loginHint ? { loginHint } : {});
      } catch (error) {
        // A journey whose input schema has no loginHint still signs the user in, without the hint.
        if (!(loginHint && error instanceof EngineError && error.code === 'validation_failed')) throw error;
        started = await start({});
      }
    } catch (error) {
      const description = error instanceof EngineError ? error.message : 'the journey could not start';
      return this.finish(provider, req, res, { error: 'temporarily_unavailable', error_description: description });
    }
    const run: JourneyRun = { sessionId: started.sessionId, journeyId, acr };
    await this.deps.store.oidc.upsert({
      model: RUN_MODEL,
      id: uid,
      payload: { ...run },
      grantId: null,
      userCode: null,
      uid: null,
      expiresAt: new Date(this.deps.now().getTime() + OIDC_TTL.Interaction * 1000).toISOString(),
      consumedAt: null,
    });
    if (started.status !== 'waiting' || !started.url) {
      // A journey that ended without asking anything: come back at once.
      res.redirect(303, `${ui.redirectUrl}${started.result?.token ? `?token=${encodeURIComponent(started.result.token)}` : ''}`);
      return;
    }
    res.redirect(303, started.url);
  }

  private deny(provider: Provider, req: Request, res: Response, description: string): Promise<void> {
    return this.finish(provider, req, res, { error: 'access_denied', error_description: description });
  }

  private async finish(provider: Provider, req: Request, res: Response, result: InteractionResults, merge = false): Promise<void> {
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: merge });
  }

  private base(): string {
    return `${this.deps.publicUrl}/oidc`;
  }
}

/** The browser's interaction cookie names the interaction of the address, not another one. */
export function sameInteraction(req: Request, uid: string): void {
  if (req.params.uid !== uid) throw new InteractionError('invalid_request', 'this sign-in belongs to another window');
}

/** A refusal shown as the provider's error page (the browser has no client to go back to). */
export class InteractionError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export function interactionErrorPage(res: Response, error: string, description: string): void {
  if (res.headersSent) return;
  res.status(400).type('html').set({ 'Content-Security-Policy': PAGE_CSP, 'X-Frame-Options': 'DENY' }).send(errorPage(error, description));
}
