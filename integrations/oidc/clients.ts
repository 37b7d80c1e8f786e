/**
 * OpenID clients managed like journeys: the admin API's shapes to and from the stored record,
 * secrets generated here, shown once and sealed at rest (the provider compares them itself, so
 * they are sealed rather than hashed), and the journeys a client names checked to be published.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { JsonObject } from '../../engine/json.js';
import type { CreateOidcClientBody, OidcClient, OidcClientBody, OidcClientWithSecret } from '../../engine/http/contract/types.js';
import { EngineError } from '../../engine/runtime/errors.js';
import { oidcClientSealContext as sealContext } from '../../engine/security/reseal.js';
import type { Sealer } from '../../engine/security/sealing.js';
import type { ChangeRecords, JourneyStore, OidcClientRecord, OidcClientStore } from '../../engine/store/store.js';
import type { OidcClientChange } from './client-audit.js';
import { journeysOf } from '../../engine/store/rows/oidc.js';

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);

export interface OidcClientsDeps {
  clients: OidcClientStore;
  journeys: JourneyStore;
  sealer: Sealer;
  now: () => Date;
  /** The provider's own check of the metadata; throws with a message when it is refused. */
  validateMetadata: (metadata: JsonObject) => Promise<void>;
}

/** The records (audit entry) of a change, built by the admin route from what the change did. */
export type ClientChangeRecords = (change: OidcClientChange) => ChangeRecords;

export class OidcClients {
  constructor(private readonly deps: OidcClientsDeps) {}

  async list(): Promise<OidcClient[]> {
    return (await this.deps.clients.list()).map(view);
  }

  async get(clientId: string): Promise<OidcClient> {
    return view(await this.require(clientId));
  }

  /** The stored record (the interactions read its journeys and whether it is first-party). */
  record(clientId: string): Promise<OidcClientRecord | null> {
    return this.deps.clients.get(clientId);
  }

  async create(body: CreateOidcClientBody, records?: ClientChangeRecords): Promise<OidcClientWithSecret> {
    const id = body.clientId ?? randomUUID();
    const at = this.deps.now().toISOString();
    const { record, secret } = await this.prepare(id, body, null, at, at);
    if (!(await this.deps.clients.create(record, records?.({ before: null, after: record, secretIssued: secret !== null })))) throw new EngineError('client_exists', `an OpenID client "${id}" exists`);
    return { ...view(record), ...(secret ? { clientSecret: secret } : {}) };
  }

  async update(clientId: string, body: OidcClientBody, records?: ClientChangeRecords): Promise<OidcClientWithSecret> {
    const existing = await this.require(clientId);
    const { record, secret } = await this.prepare(clientId, body, existing.sealedSecret, existing.createdAt, this.deps.now().toISOString());
    if (!(await this.deps.clients.update(record, records?.({ before: existing, after: record, secretIssued: secret !== null })))) {
      throw new EngineError('not_found', `no OpenID client "${clientId}"`);
    }
    return { ...view(record), ...(secret ? { clientSecret: secret } : {}) };
  }

  async rotateSecret(clientId: string, records?: ClientChangeRecords): Promise<OidcClientWithSecret> {
    const existing = await this.require(clientId);
    if (!SECRET_METHODS.has(String(existing.metadata.token_endpoint_auth_method))) {
      throw new EngineError('validation_failed', `client "${clientId}" authenticates without a secret (${String(existing.metadata.token_endpoint_auth_method)})`);
    }
    const secret = newSecret();
    const record = { ...existing, sealedSecret: this.deps.sealer.seal(secret, sealContext(clientId)), updatedAt: this.deps.now().toISOString() };
    if (!(await this.deps.clients.update(record, records?.({ before: existing, after: record, secretIssued: true })))) {
      throw new EngineError('not_found', `no OpenID client "${clientId}"`);
    }
    return { ...view(record), clientSecret: secret };
  }

  async delete(clientId: string, records?: ClientChangeRecords): Promise<void> {
    const existing = await this.require(clientId);
    if (!(await this.deps.clients.delete(clientId, records?.({ before: existing, after: null, secretIssued: false })))) throw new EngineError('not_found', `no OpenID client "${clientId}"`);
  }

  /** The client as oidc-provider reads it: its metadata with the secret unsealed; null when unknown. */
  async providerMetadata(clientId: string): Promise<JsonObject | null> {
    const record = await this.deps.clients.get(clientId);
    if (!record) return null;
    return {
      ...record.metadata,
      client_id: record.id,
      ...(record.sealedSecret ? { client_secret: this.deps.sealer.unseal(record.sealedSecret, sealContext(record.id)) } : {}),
    };
  }

  private async require(clientId: string): Promise<OidcClientRecord> {
    const record = await this.deps.clients.get(clientId);
    if (!record) throw new EngineError('not_found', `no OpenID client "${clientId}"`);
    return record;
  }

  private async prepare(
    id: string,
    body: OidcClientBody,
    sealedSecret: string | null,
    createdAt: string,
    updatedAt: string,
  ): Promise<{ record: OidcClientRecord; secret: string | null }> {
    const method = body.tokenEndpointAuthMethod ?? 'client_secret_basic';
    const metadata: JsonObject = {
      ...(body.clientName ? { client_name: body.clientName } : {}),
      redirect_uris: [...body.redirectUris],
      post_logout_redirect_uris: [...(body.postLogoutRedirectUris ?? [])],
      token_endpoint_auth_method: method,
      id_token_signed_response_alg: body.idTokenSignedResponseAlg ?? 'RS256',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(body.jwks ? { jwks: body.jwks as JsonObject } : {}),
      ...(body.jwksUri ? { jwks_uri: body.jwksUri } : {}),
    };
    let secret: string | null = null;
    if (!SECRET_METHODS.has(method)) sealedSecret = null;
    else if (!sealedSecret) {
      secret = newSecret();
      sealedSecret = this.deps.sealer.seal(secret, sealContext(id));
    }
    // The provider judges the metadata as it will use it (URIs, methods, keys).
    try {
      await this.deps.validateMetadata({ ...metadata, client_id: id, ...(sealedSecret ? { client_secret: 'x'.repeat(43) } : {}) });
    } catch (error) {
      const description = (error as { error_description?: string }).error_description ?? (error as Error).message;
      throw new EngineError('validation_failed', `the client is not valid: ${description}`);
    }
    const record: OidcClientRecord = {
      id,
      metadata,
      sealedSecret,
      journeyId: body.journeyId,
      acrJourneys: { ...(body.acrJourneys ?? {}) },
      firstParty: body.firstParty ?? false,
      createdAt,
      updatedAt,
    };
    for (const journeyId of journeysOf(record)) {
      if (!(await this.deps.journeys.getLatestVersion(journeyId))) {
        throw new EngineError('validation_failed', `journey "${journeyId}" is not published`);
      }
    }
    return { record, secret };
  }
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function view(record: OidcClientRecord): OidcClient {
  const m = record.metadata as Record<string, any>;
  return {
    clientId: record.id,
    ...(m.client_name ? { clientName: m.client_name as string } : {}),
    redirectUris: m.redirect_uris as string[],
    postLogoutRedirectUris: (m.post_logout_redirect_uris ?? []) as string[],
    tokenEndpointAuthMethod: m.token_endpoint_auth_method,
    idTokenSignedResponseAlg: m.id_token_signed_response_alg,
    ...(m.jwks ? { jwks: m.jwks } : {}),
    ...(m.jwks_uri ? { jwksUri: m.jwks_uri as string } : {}),
    journeyId: record.journeyId,
    acrJourneys: record.acrJourneys,
    firstParty: record.firstParty,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
