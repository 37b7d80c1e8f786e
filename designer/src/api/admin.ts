/** The admin API (admin key) as the designer uses it. */
import { ApiError, requestJson } from './http.js';
import type {
  AuditPage,
  JourneyAnalytics,
  Diagnostic,
  JourneySummary,
  JourneyView as ApiJourneyView,
  OutboxMessage,
  StepCatalogueEntry as CatalogueEntry,
  StepResponse,
  TimelineEvent,
  CreateOidcClientBody,
  OidcClient,
  OidcClientBody,
  OidcClientWithSecret,
  JourneyDiff,
} from '../../../engine/http/contract/types.js';
import type { JourneyDoc } from '../../../engine/http/contract/journey-document.js';

/**
 * A journey as the designer opens it: the API's view, its draft read as a journey document (a
 * draft may have errors; the designer shows them rather than refusing it), and the ETag to save with.
 */
export type JourneyView = Omit<ApiJourneyView, 'draft'> & { draft: JourneyDoc; etag: string | null };

const KEY_STORAGE = 'journey-designer.admin-key';
export const UNAUTHORIZED_EVENT = 'journey-designer:unauthorized';

export function storedAdminKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeAdminKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: the key lives for this page only
  }
}

const enc = encodeURIComponent;

export class AdminApi {
  constructor(readonly key: string) {}

  private async call<T>(path: string, options: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    try {
      return await requestJson<T>(path, { ...options, token: this.key });
    } catch (error) {
      // The key stopped working (rotated, server restarted with another key): back to sign-in.
      if (error instanceof ApiError && error.status === 401) window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
      throw error;
    }
  }

  async catalogue(): Promise<CatalogueEntry[]> {
    return (await this.call<CatalogueEntry[]>('/v1/admin/steps')).body;
  }

  async journeys(): Promise<JourneySummary[]> {
    return (await this.call<JourneySummary[]>('/v1/admin/journeys')).body;
  }

  async journey(id: string): Promise<JourneyView> {
    const { body, headers } = await this.call<Omit<JourneyView, 'etag'>>(`/v1/admin/journeys/${enc(id)}`);
    return { ...body, etag: headers.get('etag') };
  }

  async save(doc: JourneyDoc, etag?: string | null): Promise<{ valid: boolean; diagnostics: Diagnostic[]; etag: string | null }> {
    const { body, headers } = await this.call<{ valid: boolean; diagnostics: Diagnostic[] }>(`/v1/admin/journeys/${enc(doc.id)}`, {
      method: 'PUT',
      body: doc,
      headers: etag ? { 'if-match': etag } : {},
    });
    return { ...body, etag: headers.get('etag') };
  }

  async remove(id: string): Promise<void> {
    await this.call(`/v1/admin/journeys/${enc(id)}`, { method: 'DELETE' });
  }

  async publish(id: string): Promise<{ version: number; publishedAt: string }> {
    return (await this.call<{ version: number; publishedAt: string }>(`/v1/admin/journeys/${enc(id)}/publish`, { method: 'POST' })).body;
  }

  async version(id: string, version: number): Promise<JourneyDoc> {
    return (await this.call<JourneyDoc>(`/v1/admin/journeys/${enc(id)}/versions/${version}`)).body;
  }

  /** What `to` changes from `from` (#19): each a version number or 'draft'. */
  async diff(id: string, from: number | 'draft', to: number | 'draft'): Promise<JourneyDiff> {
    return (await this.call<JourneyDiff>(`/v1/admin/journeys/${enc(id)}/diff?from=${from}&to=${to}`)).body;
  }

  async restore(id: string, version: number): Promise<{ etag: string | null }> {
    const { headers } = await this.call(`/v1/admin/journeys/${enc(id)}/versions/${version}/restore`, { method: 'POST' });
    return { etag: headers.get('etag') };
  }

  async testRun(id: string, body: { input?: unknown; version?: number }): Promise<StepResponse> {
    return (await this.call<StepResponse>(`/v1/admin/journeys/${enc(id)}/test-runs`, { method: 'POST', body })).body;
  }

  async timeline(sessionId: string): Promise<TimelineEvent[]> {
    return (await this.call<{ timeline: TimelineEvent[] }>(`/v1/admin/sessions/${enc(sessionId)}`)).body.timeline;
  }

  async outbox(sessionId: string): Promise<OutboxMessage[]> {
    return (await this.call<OutboxMessage[]>(`/v1/admin/outbox?sessionId=${enc(sessionId)}`)).body;
  }

  // ---- OpenID Connect provider (#18): its clients ----

  async oidcClients(): Promise<OidcClient[]> {
    return (await this.call<OidcClient[]>('/v1/admin/oidc/clients')).body;
  }

  async createOidcClient(body: CreateOidcClientBody): Promise<OidcClientWithSecret> {
    return (await this.call<OidcClientWithSecret>('/v1/admin/oidc/clients', { method: 'POST', body })).body;
  }

  async updateOidcClient(clientId: string, body: OidcClientBody): Promise<OidcClientWithSecret> {
    return (await this.call<OidcClientWithSecret>(`/v1/admin/oidc/clients/${enc(clientId)}`, { method: 'PUT', body })).body;
  }

  async removeOidcClient(clientId: string): Promise<void> {
    await this.call(`/v1/admin/oidc/clients/${enc(clientId)}`, { method: 'DELETE' });
  }

  async rotateOidcClientSecret(clientId: string): Promise<OidcClientWithSecret> {
    return (await this.call<OidcClientWithSecret>(`/v1/admin/oidc/clients/${enc(clientId)}/secret`, { method: 'POST' })).body;
  }

  /** The journey's funnel over a range (GET /v1/admin/journeys/{id}/analytics). */
  async analytics(id: string, query: { version?: number | null; from: string; to: string }): Promise<JourneyAnalytics> {
    const params = new URLSearchParams({ from: query.from, to: query.to });
    if (query.version) params.set('version', String(query.version));
    return (await this.call<JourneyAnalytics>(`/v1/admin/journeys/${enc(id)}/analytics?${params}`)).body;
  }

  /** Audit entries, newest first (GET /v1/admin/audit). */
  async audit(query: { targetType?: string; targetId?: string; limit?: number }): Promise<AuditPage> {
    const params = new URLSearchParams();
    if (query.targetType) params.set('targetType', query.targetType);
    if (query.targetId) params.set('targetId', query.targetId);
    if (query.limit) params.set('limit', String(query.limit));
    return (await this.call<AuditPage>(`/v1/admin/audit?${params}`)).body;
  }
}
