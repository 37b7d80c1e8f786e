/**
 * The typed client of the journey engine's HTTP API. It needs only `fetch`, so it runs in Node
 * (18+) and in browsers alike. Every refusal is thrown as a JourneyApiError.
 */
import { JourneyApiError } from './errors.js';
import type {
  Journey,
  JourneySummary,
  JourneyView,
  JourneyDiff,
  CreateOidcClientBody,
  OidcClient,
  OidcClientBody,
  OidcClientWithSecret,
  Jwks,
  OutboxMessage,
  PublishResult,
  SessionDetail,
  SessionListFilter,
  SessionRef,
  SessionSummary,
  StartBody,
  StepCatalogueEntry,
  StepResponse,
  SubmitBody,
  TestRunBody,
  TokenValidation,
  ValidationResult,
} from './types.js';

export interface JourneyClientOptions {
  /** The server, e.g. `https://auth.example.com` (a path prefix is kept). */
  baseUrl: string;
  /** The admin key, or an app key (start non-public journeys, validate tokens). */
  apiKey?: string;
  /** Another fetch (a polyfill, a test double); default: the global one. */
  fetch?: typeof fetch;
  /** Headers added to every request. */
  headers?: Record<string, string>;
}

/** A draft as read: the journey view plus the ETag to send back when saving. */
export type JourneyDraft = JourneyView & { etag: string | null };

/** A saved draft: its diagnostics and the new ETag. */
export type SaveResult = ValidationResult & { etag: string | null };

/** A journey document to save: a full journey, or any draft (drafts with errors are saved too). */
export type JourneyDocument = Journey | Record<string, unknown>;

interface CallOptions {
  /** The bearer credential: the API key by default; a session token for the session routes. */
  bearer?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | undefined>;
}

export class JourneyClient {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly extraHeaders: Record<string, string>;
  /** The ETag of each draft last read or saved through this client. */
  private readonly etags = new Map<string, string>();

  constructor(options: JourneyClientOptions) {
    if (!options.baseUrl) throw new TypeError('JourneyClient: baseUrl is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey || undefined;
    // Bound, so a browser's window.fetch is not called with the client as `this`.
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('JourneyClient: no fetch available; pass options.fetch');
    this.fetchImpl = f.bind(globalThis);
    this.extraHeaders = { ...options.headers };
  }

  // ---------------------------------------------------------------------------------------------
  // Apps: running journeys
  // ---------------------------------------------------------------------------------------------

  /** Starts a session on the journey's latest published version (the API key, if any, is sent). */
  start(journeyId: string, body: StartBody = {}): Promise<StepResponse> {
    return this.json('POST', `/v1/journeys/${seg(journeyId)}/start`, { body });
  }

  /** Answers the waiting step with one of its options (and that option's data). */
  submit(session: SessionRef, answer: SubmitBody): Promise<StepResponse> {
    const body = answer.data === undefined ? { stepId: answer.stepId, option: answer.option } : answer;
    return this.json('POST', `/v1/sessions/${seg(session.sessionId)}/submit`, { bearer: session.sessionToken, body });
  }

  /** The session's current step response. */
  get(session: SessionRef): Promise<StepResponse> {
    return this.json('GET', `/v1/sessions/${seg(session.sessionId)}`, { bearer: session.sessionToken });
  }

  /**
   * Validates a result token (app or admin key): valid the first time only. `journeyId` and
   * `requireAmr` refuse a token of another journey or too weak an authentication without using it up.
   */
  validateToken(token: string, requirements: { journeyId?: string; requireAmr?: string[] } = {}): Promise<TokenValidation> {
    return this.json('POST', '/v1/tokens/validate', { body: { token, ...requirements } });
  }

  /** The public keys that verify tokens offline. */
  jwks(): Promise<Jwks> {
    return this.json('GET', '/.well-known/jwks.json', { bearer: null });
  }

  // ---------------------------------------------------------------------------------------------
  // Admins (admin key)
  // ---------------------------------------------------------------------------------------------

  listSteps(): Promise<StepCatalogueEntry[]> {
    return this.json('GET', '/v1/admin/steps');
  }

  listJourneys(): Promise<JourneySummary[]> {
    return this.json('GET', '/v1/admin/journeys');
  }

  /** The draft, its diagnostics and versions, with its ETag (remembered for saveJourney). */
  async getJourney(journeyId: string): Promise<JourneyDraft> {
    const { body, headers } = await this.call<JourneyView>('GET', `/v1/admin/journeys/${seg(journeyId)}`);
    return { ...body, etag: this.remember(journeyId, headers) };
  }

  /**
   * Saves the draft. `If-Match` is the ETag this client last read or wrote for that journey (so a
   * draft changed by someone else in between answers 409 `conflict`); pass `ifMatch` to choose
   * it, or `ifMatch: null` to save unconditionally.
   */
  async saveJourney(journey: JourneyDocument, options: { id?: string; ifMatch?: string | null } = {}): Promise<SaveResult> {
    const id = options.id ?? (journey as { id?: unknown }).id;
    if (typeof id !== 'string' || !id) throw new TypeError('saveJourney: the journey has no id (pass options.id)');
    const ifMatch = options.ifMatch === undefined ? this.etags.get(id) : options.ifMatch;
    const { body, headers } = await this.call<ValidationResult>('PUT', `/v1/admin/journeys/${seg(id)}`, {
      body: journey,
      headers: ifMatch ? { 'if-match': ifMatch } : {},
    });
    return { ...body, etag: this.remember(id, headers) };
  }

  async deleteJourney(journeyId: string): Promise<void> {
    await this.call('DELETE', `/v1/admin/journeys/${seg(journeyId)}`);
    this.etags.delete(journeyId);
  }

  /** Publishes the draft; a draft with errors is refused with 422 (`details.diagnostics`). */
  publish(journeyId: string): Promise<PublishResult> {
    return this.json('POST', `/v1/admin/journeys/${seg(journeyId)}/publish`);
  }

  /** A published version's document. */
  getVersion(journeyId: string, version: number): Promise<Journey> {
    return this.json('GET', `/v1/admin/journeys/${seg(journeyId)}/versions/${version}`);
  }

  /** Copies a version into the draft. */
  async restoreVersion(journeyId: string, version: number): Promise<SaveResult> {
    const { body, headers } = await this.call<ValidationResult>('POST', `/v1/admin/journeys/${seg(journeyId)}/versions/${version}/restore`);
    return { ...body, etag: this.remember(journeyId, headers) };
  }

  /** What `to` changes from `from` (#19): each a published version number or `'draft'`. */
  diffJourney(journeyId: string, from: number | 'draft', to: number | 'draft'): Promise<JourneyDiff> {
    return this.json('GET', `/v1/admin/journeys/${seg(journeyId)}/diff`, { query: { from: String(from), to: String(to) } });
  }

  /** Validates a journey document; nothing is saved. */
  validate(journey: JourneyDocument): Promise<ValidationResult> {
    return this.json('POST', '/v1/admin/validate', { body: journey });
  }

  /** Starts a session of the draft (or of `version`), public or not. */
  testRun(journeyId: string, body: TestRunBody = {}): Promise<StepResponse> {
    return this.json('POST', `/v1/admin/journeys/${seg(journeyId)}/test-runs`, { body });
  }

  listSessions(filter: SessionListFilter = {}): Promise<SessionSummary[]> {
    return this.json('GET', '/v1/admin/sessions', {
      query: { journeyId: filter.journeyId, status: filter.status, limit: filter.limit === undefined ? undefined : String(filter.limit) },
    });
  }

  /** A session and its timeline (secrets redacted). */
  getSession(sessionId: string): Promise<SessionDetail> {
    return this.json('GET', `/v1/admin/sessions/${seg(sessionId)}`);
  }

  /** The development channel's messages, newest first. */
  listOutbox(filter: { sessionId?: string; to?: string } = {}): Promise<OutboxMessage[]> {
    return this.json('GET', '/v1/admin/outbox', { query: filter });
  }

  // ---- OpenID Connect provider (#18): its clients ----

  listOidcClients(): Promise<OidcClient[]> {
    return this.json('GET', '/v1/admin/oidc/clients');
  }

  getOidcClient(clientId: string): Promise<OidcClient> {
    return this.json('GET', `/v1/admin/oidc/clients/${seg(clientId)}`);
  }

  /** Registers a client; its `clientSecret`, when it has one, is answered this once. */
  createOidcClient(body: CreateOidcClientBody): Promise<OidcClientWithSecret> {
    return this.json('POST', '/v1/admin/oidc/clients', { body });
  }

  updateOidcClient(clientId: string, body: OidcClientBody): Promise<OidcClientWithSecret> {
    return this.json('PUT', `/v1/admin/oidc/clients/${seg(clientId)}`, { body });
  }

  async deleteOidcClient(clientId: string): Promise<void> {
    await this.call('DELETE', `/v1/admin/oidc/clients/${seg(clientId)}`);
  }

  /** A new secret (answered once); the old one stops working at once. */
  rotateOidcClientSecret(clientId: string): Promise<OidcClientWithSecret> {
    return this.json('POST', `/v1/admin/oidc/clients/${seg(clientId)}/secret`);
  }

  // ---------------------------------------------------------------------------------------------

  private remember(journeyId: string, headers: Headers): string | null {
    const etag = headers.get('etag');
    if (etag) this.etags.set(journeyId, etag);
    return etag;
  }

  private async json<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    return (await this.call<T>(method, path, options)).body;
  }

  private async call<T>(method: string, path: string, options: CallOptions = {}): Promise<{ body: T; headers: Headers; status: number }> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.extraHeaders, ...options.headers };
    const bearer = options.bearer === undefined ? this.apiKey : options.bearer;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const query = Object.entries(options.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    const url = this.baseUrl + path + (query.length ? `?${new URLSearchParams(query).toString()}` : '');

    const response = await this.fetchImpl(url, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!response.ok) throw JourneyApiError.from(response.status, parsed, response.headers);
    if (typeof parsed === 'string') {
      // A 2xx that is not JSON: not this API (a wrong baseUrl, a proxy's page).
      throw new JourneyApiError(response.status, 'internal', `${method} ${path} answered ${response.status} without a JSON body`);
    }
    return { body: parsed as T, headers: response.headers, status: response.status };
  }
}

/** One path segment. */
const seg = (value: string) => encodeURIComponent(value);
