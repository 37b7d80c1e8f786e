/**
 * What the provider says about a user: the standard claims of the `profile`, `email` and `phone`
 * scopes, taken from the claims of the journey that last signed them in (its `complete` step),
 * then from the user's stored attributes; the journey's other claims as `journey_claims` (scope
 * `journey`). The provider itself keeps to the scopes granted.
 */
import type { JsonObject } from '../../engine/json.js';
import type { OidcModelStore, UserStore } from '../../engine/store/store.js';

export const SCOPE_CLAIMS = {
  profile: [
    'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture',
    'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at',
  ],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  /** The journey's other claims, under one claim of their own (their names are the journey's). */
  journey: ['journey_claims'],
} as const;

const STANDARD = new Set<string>([...SCOPE_CLAIMS.profile, ...SCOPE_CLAIMS.email, ...SCOPE_CLAIMS.phone]);
/** Names journeys and steps commonly use for a standard claim. */
const ALIASES: Record<string, string> = { username: 'preferred_username', phone: 'phone_number', phoneNumber: 'phone_number' };

/** Where the last login's journey claims are kept, per account (not an oidc-provider model). */
const LAST_CLAIMS_MODEL = 'journey.claims';

export class AccountClaims {
  constructor(private readonly deps: { models: OidcModelStore; users: UserStore; now: () => Date; ttlSeconds: number }) {}

  /** Keeps the claims of the journey that just signed `accountId` in. */
  async remember(accountId: string, claims: JsonObject): Promise<void> {
    await this.deps.models.upsert({
      model: LAST_CLAIMS_MODEL,
      id: accountId,
      payload: claims,
      grantId: null,
      userCode: null,
      uid: null,
      expiresAt: new Date(this.deps.now().getTime() + this.deps.ttlSeconds * 1000).toISOString(),
      consumedAt: null,
    });
  }

  /** The account's standard claims (sub included); null when the user no longer exists. */
  async of(accountId: string): Promise<JsonObject | null> {
    const user = await this.deps.users.findById(accountId);
    if (!user) return null;
    const last = (await this.deps.models.find(LAST_CLAIMS_MODEL, accountId, this.deps.now().toISOString()))?.payload ?? {};
    const claims: JsonObject = {};
    const custom = Object.fromEntries(Object.entries(last).filter(([name, value]) => !STANDARD.has(name) && !ALIASES[name] && usable(value)));
    if (Object.keys(custom).length) claims.journey_claims = custom;
    // Later sources do not override earlier ones: the journey's claims first, then the user's attributes.
    for (const source of [last, user.attributes, user.username ? { preferred_username: user.username } : {}]) {
      for (const [name, value] of Object.entries(source)) {
        const standard = STANDARD.has(name) ? name : ALIASES[name];
        if (standard && claims[standard] === undefined && usable(value)) claims[standard] = value;
      }
    }
    return { ...claims, sub: accountId };
  }
}

function usable(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
