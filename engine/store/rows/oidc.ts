/** Rows of `oidc_models` (the OpenID provider's artefacts) and `oidc_clients` (#18). */
import type { OidcClientRecord, OidcModelRecord } from '../store.js';
import type { RowShape } from './shape.js';

export const oidcModelRow: RowShape<OidcModelRecord> = {
  table: 'oidc_models',
  columns: ['model', 'id', 'payload', 'grant_id', 'user_code', 'uid', 'expires_at', 'consumed_at'],
  fromRow: (r, codec) => ({
    model: r.model,
    id: r.id,
    payload: codec.readJson(r.payload),
    grantId: r.grant_id,
    userCode: r.user_code,
    uid: r.uid,
    expiresAt: r.expires_at,
    consumedAt: r.consumed_at,
  }),
  values: (m, codec) => [m.model, m.id, codec.writeJson(m.payload), m.grantId, m.userCode, m.uid, m.expiresAt, m.consumedAt],
};

export const oidcClientRow: RowShape<OidcClientRecord> = {
  table: 'oidc_clients',
  columns: ['id', 'metadata', 'sealed_secret', 'journey_id', 'acr_journeys', 'first_party', 'created_at', 'updated_at'],
  fromRow: (r, codec) => ({
    id: r.id,
    metadata: codec.readJson(r.metadata),
    sealedSecret: r.sealed_secret,
    journeyId: r.journey_id,
    acrJourneys: codec.readJson(r.acr_journeys),
    firstParty: codec.readBoolean(r.first_party),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }),
  values: (c, codec) => [
    c.id,
    codec.writeJson(c.metadata),
    c.sealedSecret,
    c.journeyId,
    codec.writeJson(c.acrJourneys),
    codec.writeBoolean(c.firstParty),
    c.createdAt,
    c.updatedAt,
  ],
};

/** The journeys a client names (its default and its acr map), for "journey in use" checks. */
export function journeysOf(client: Pick<OidcClientRecord, 'journeyId' | 'acrJourneys'>): string[] {
  return [...new Set([client.journeyId, ...Object.values(client.acrJourneys)])];
}
