/**
 * Finishing a SECRET_KEY rotation: at start, whatever is still sealed under a previous key
 * (signing keys, authenticator secrets, OpenID client secrets) is sealed again under the current one, so that once
 * every process runs with the new key, SECRET_KEY_PREVIOUS can be removed without losing anything.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Sealer } from './sealing.js';
import { SIGNING_KEY_SEAL_CONTEXT } from './tokens.js';

/** The sealing context of an OpenID client's secret (integrations/oidc seals it; resealing opens it here). */
export const oidcClientSealContext = (clientId: string): string => `oidc-client:${clientId}`;

export async function resealUnderCurrentKey(
  store: Store,
  sealer: Sealer,
  logger: Logger,
): Promise<{ signingKeys: number; authenticators: number; oidcClients: number }> {
  let signingKeys = 0;
  for (const key of await store.signingKeys.list()) {
    if (!sealer.sealedUnderOldKey(key.sealedPrivateJwk)) continue;
    try {
      await store.signingKeys.updateSealed(key.kid, sealer.seal(sealer.unseal(key.sealedPrivateJwk, SIGNING_KEY_SEAL_CONTEXT), SIGNING_KEY_SEAL_CONTEXT));
      signingKeys++;
    } catch {
      logger.warn({ kid: key.kid }, 'a signing key is sealed under a key this process does not have (set SECRET_KEY_PREVIOUS)');
    }
  }
  let authenticators = 0;
  for (;;) {
    const batch = await store.authenticators.listSealedNotUnder(sealer.currentKeyId, 500);
    let moved = 0;
    for (const { id, sealedSecret } of batch) {
      const context = `authenticator:${id}`;
      try {
        await store.authenticators.updateSealedSecret(id, sealer.seal(sealer.unseal(sealedSecret, context), context));
        moved++;
      } catch {
        logger.warn({ authenticatorId: id }, 'an authenticator secret is sealed under a key this process does not have (set SECRET_KEY_PREVIOUS)');
      }
    }
    authenticators += moved;
    if (batch.length < 500 || moved === 0) break;
  }
  // ---- OpenID Connect provider (#18): client secrets ----
  let oidcClients = 0;
  for (const client of await store.oidcClients.list()) {
    if (!client.sealedSecret || !sealer.sealedUnderOldKey(client.sealedSecret)) continue;
    const context = oidcClientSealContext(client.id);
    try {
      await store.oidcClients.update({ ...client, sealedSecret: sealer.seal(sealer.unseal(client.sealedSecret, context), context) });
      oidcClients++;
    } catch {
      logger.warn({ clientId: client.id }, 'an OpenID client secret is sealed under a key this process does not have (set SECRET_KEY_PREVIOUS)');
    }
  }
  if (signingKeys || authenticators || oidcClients) logger.info({ signingKeys, authenticators, oidcClients }, 'sealed again under the current SECRET_KEY');
  return { signingKeys, authenticators, oidcClients };
}
