/**
 * oidc-provider's adapter on the engine's store: every artefact (sessions, interactions, grants,
 * codes, tokens) in one table keyed by model and id, so any engine process continues any
 * interaction and redeems any code. Clients come from the admin-managed client table, their
 * secret unsealed only here, where the provider compares it.
 */
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { JsonObject } from '../../engine/json.js';
import type { OidcModelStore } from '../../engine/store/store.js';
import type { OidcClients } from './clients.js';

export interface AdapterDeps {
  models: OidcModelStore;
  clients: OidcClients;
  now: () => Date;
}

export function adapterFactory(deps: AdapterDeps): new (model: string) => Adapter {
  return class StoreAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('clients are managed through the admin API');
      await deps.models.upsert({
        model: this.model,
        id,
        payload: payload as JsonObject,
        grantId: payload.grantId ?? null,
        userCode: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expiresAt: expiresIn ? new Date(deps.now().getTime() + expiresIn * 1000).toISOString() : null,
        consumedAt: null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (!plausibleId(id)) return undefined;
      if (this.model === 'Client') return (await deps.clients.providerMetadata(id)) ?? undefined;
      return payloadOf(await deps.models.find(this.model, id, deps.now().toISOString()));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      if (!plausibleId(userCode)) return undefined;
      return payloadOf(await deps.models.findByUserCode(this.model, userCode, deps.now().toISOString()));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      if (!plausibleId(uid)) return undefined;
      return payloadOf(await deps.models.findByUid(this.model, uid, deps.now().toISOString()));
    }

    /**
     * oidc-provider reads a code (or refresh token), sees it unconsumed, then consumes it: two
     * redemptions racing (two processes) could both pass the read. The consumption is the
     * database's compare-and-set, and the loser is refused as a reuse: its grant is revoked.
     */
    async consume(id: string): Promise<void> {
      if (await deps.models.consume(this.model, id, deps.now().toISOString())) return;
      const record = await deps.models.find(this.model, id, deps.now().toISOString());
      if (record?.grantId) await deps.models.revokeByGrantId(record.grantId);
      throw new errors.InvalidGrant(`${this.model === 'RefreshToken' ? 'refresh token' : 'authorization code'} already consumed`);
    }

    async destroy(id: string): Promise<void> {
      await deps.models.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await deps.models.revokeByGrantId(grantId);
    }
  };
}

/**
 * Ids come from requests (codes, tokens, client ids): one no artefact can have (NUL, which
 * PostgreSQL text refuses; absurd lengths) is simply not found, never a database error.
 */
function plausibleId(id: string): boolean {
  return typeof id === 'string' && id.length > 0 && id.length <= 1024 && !id.includes('\u0000');
}

/** The payload as the provider wants it back: `consumed` (epoch seconds) once consumed. */
function payloadOf(record: { payload: JsonObject; consumedAt: string | null } | null): AdapterPayload | undefined {
  if (!record) return undefined;
  const payload = { ...record.payload } as AdapterPayload;
  if (record.consumedAt) payload.consumed = Math.floor(Date.parse(record.consumedAt) / 1000);
  return payload;
}
