/**
 * The OpenID provider: oidc-provider (certified, maintained) configured on the engine's store,
 * keys and journeys. Interactions are journeys (interactions.ts); this module only says how the
 * provider behaves: flows, lifetimes, keys, cookies, claims, and the step-up check on acr_values.
 */
import type { default as Provider, Configuration, KoaContextWithOIDC, interactionPolicy as InteractionPolicy } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Sealer } from '../../engine/security/sealing.js';
import { SigningKeyRing } from '../../engine/security/signing-keys.js';
import type { Store } from '../../engine/store/store.js';
import { adapterFactory } from './adapter.js';
import { AccountClaims, SCOPE_CLAIMS } from './claims.js';
import type { OidcClients } from './clients.js';
import { errorPage, logoutPage, loggedOutPage } from './pages.js';

/** Lifetimes of what the provider issues, in seconds. */
export const OIDC_TTL = {
  AccessToken: 600,
  AuthorizationCode: 60,
  IdToken: 3600,
  RefreshToken: 14 * 86400,
  Interaction: 3600,
  Grant: 14 * 86400,
} as const;

export interface ProviderDeps {
  issuer: string;
  store: Store;
  sealer: Sealer;
  clients: OidcClients;
  claims: AccountClaims;
  now: () => Date;
  ssoTtlSeconds: number;
  logger: Logger;
}

export async function createProvider(deps: ProviderDeps): Promise<Provider> {
  // Loaded only when a provider is made: oidc-provider warns about Node 20 on import (it runs on
  // it: docs/oidc.md), and processes without an issuer (no PUBLIC_URL, the CLI) need not say so.
  const oidc = await import('oidc-provider');
  const ring = (algorithm: 'RS256' | 'ES256') => new SigningKeyRing({ keys: deps.store.signingKeys, sealer: deps.sealer, now: deps.now, use: 'oidc', algorithm });
  // RS256 first: the provider's default, the one OpenID Discovery requires; ES256 per client.
  const jwks = { keys: [...(await ring('RS256').privateJwks()), ...(await ring('ES256').privateJwks())] };
  const acrValues = [...new Set((await deps.store.oidcClients.list()).flatMap((c) => Object.keys(c.acrJourneys)))];

  const configuration: Configuration = {
    adapter: adapterFactory({ models: deps.store.oidc, clients: deps.clients, now: deps.now }),
    jwks: jwks as Configuration['jwks'],
    // Derived from SECRET_KEY: every process signs and reads the same cookies.
    cookies: {
      keys: [deps.sealer.keyedHash('oidc-cookies', 'v1')],
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    // How the user was authenticated (acr, amr, auth_time) goes with every ID token.
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], ...SCOPE_CLAIMS } as unknown as Configuration['claims'],
    scopes: ['openid', 'offline_access', 'profile', 'email', 'phone', 'journey'],
    acrValues,
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = loggedOutPage();
        },
      },
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: { ...OIDC_TTL, Session: deps.ssoTtlSeconds },
    findAccount: async (_ctx, sub) => {
      const claims = await deps.claims.of(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ ...claims, sub }) };
    },
    interactions: {
      url: (_ctx, interaction) => `${new URL(deps.issuer).pathname.replace(/\/$/, '')}/interaction/${interaction.uid}`,
      policy: loginPolicy(oidc.interactionPolicy, deps.clients),
    },
    // First-party clients are granted what they ask for without a consent page.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(oidc.client!.clientId);
      const grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      const record = await deps.clients.record(oidc.client!.clientId);
      if (!record?.firstParty) return grant;
      const firstParty = grant ?? new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
      firstParty.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      await firstParty.save();
      return firstParty;
    },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris!.some((uri) => URL.parse(uri)?.origin === origin),
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(String(out.error), String(out.error_description ?? ''));
    },
  };

  const provider = new oidc.default(deps.issuer, configuration);
  // Behind a TLS-terminating proxy (PUBLIC_URL https, the engine on http): trust X-Forwarded-Proto.
  provider.proxy = true;
  provider.on('server_error', (_ctx: KoaContextWithOIDC, error: Error) => deps.logger.error({ err: error }, 'openid provider error'));
  return provider;
}

/**
 * The base policy, plus the step-up: a session whose acr is none of the requested `acr_values`
 * the client maps to a journey logs in again (values it does not map are voluntary, as in OpenID
 * Core, and ask for nothing).
 */
function loginPolicy(interactionPolicy: typeof InteractionPolicy, clients: OidcClients) {
  const { Check } = interactionPolicy;
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.push(
    new Check('acr_values', 'none of the requested ACRs were obtained', async (ctx) => {
      const requested = ctx.oidc.params!.acr_values;
      if (typeof requested !== 'string' || !requested) return Check.NO_NEED_TO_PROMPT;
      const mapped = (await clients.record(ctx.oidc.client!.clientId))?.acrJourneys ?? {};
      const stronger = requested.split(' ').filter((value) => Object.hasOwn(mapped, value));
      if (stronger.length === 0 || stronger.includes(ctx.oidc.acr!)) return Check.NO_NEED_TO_PROMPT;
      return Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}

