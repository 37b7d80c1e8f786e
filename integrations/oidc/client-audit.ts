/**
 * What an OpenID client change says in the audit log: the client before and after (its metadata
 * and the journeys it signs in with), the fields that changed, and what happened to its secret.
 * Never a secret, sealed or not: the log says that one was issued or rotated, not what it is.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '../../engine/json.js';
import type { OidcClientRecord } from '../../engine/store/store.js';

/** One change of a client, as OidcClients makes it. */
export interface OidcClientChange {
  /** Null for a created client. */
  before: OidcClientRecord | null;
  /** Null for a deleted client. */
  after: OidcClientRecord | null;
  /** A new secret was generated (created, switched to a secret method, or rotated). */
  secretIssued: boolean;
}

export function clientAuditDetails(change: OidcClientChange): JsonObject {
  const before = change.before ? described(change.before) : null;
  const after = change.after ? described(change.after) : null;
  const hadSecret = change.before?.sealedSecret != null;
  const hasSecret = change.after?.sealedSecret != null;
  const secret = change.secretIssued ? (hadSecret ? 'rotated' : 'issued') : hadSecret && change.after && !hasSecret ? 'removed' : 'unchanged';
  return {
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
    ...(before && after ? { changed: changedFields(before, after) } : {}),
    secret,
  };
}

function described(record: OidcClientRecord): JsonObject {
  // The stored metadata never holds the secret (it is sealed apart); dropped here all the same,
  // so a future field cannot carry one into the log.
  const { client_secret: _secret, ...metadata } = record.metadata;
  return { metadata, journeyId: record.journeyId, acrJourneys: record.acrJourneys, firstParty: record.firstParty, hasSecret: record.sealedSecret !== null };
}

/** `journeyId`, `acrJourneys`, `firstParty`, `hasSecret`, or `metadata.<name>` for each metadata field that differs. */
function changedFields(before: JsonObject, after: JsonObject): string[] {
  const metadataBefore = before.metadata as JsonObject;
  const metadataAfter = after.metadata as JsonObject;
  const metadataKeys = [...new Set([...Object.keys(metadataBefore), ...Object.keys(metadataAfter)])].sort();
  return [
    ...metadataKeys.filter((key) => !isDeepStrictEqual(metadataBefore[key], metadataAfter[key])).map((key) => `metadata.${key}`),
    ...['journeyId', 'acrJourneys', 'firstParty', 'hasSecret'].filter((key) => !isDeepStrictEqual(before[key], after[key])),
  ];
}
