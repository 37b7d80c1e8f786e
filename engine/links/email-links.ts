/**
 * Single-use email links: the step side (`ctx.services.links`: create a link, read its status)
 * and the page side (find a link by its token, tell the device, check a code, consume). The token
 * is 256 bits from the CSPRNG, base64url; only its sha256 is stored. The match code is kept as a
 * keyed hash under SECRET_KEY; every comparison is constant-time.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { deviceHash } from '../runtime/session-service.js';
import { secretsEqual, sha256 } from '../security/constant-time.js';
import type { Sealer } from '../security/sealing.js';
import type { EmailLinkStatus, EmailLinks } from '../steps/step-types.js';
import type { EmailLinkRecord, EmailLinkStore } from '../store/store.js';

/** Code attempts from other browsers before the link is blocked. */
export const LINK_CODE_ATTEMPTS = 3;
/** Digits of the match code another browser must type. */
export const LINK_CODE_LENGTH = 6;
/** What a link token looks like (32 bytes base64url); anything else is not looked up at all. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const CODE_PURPOSE = 'email-link-code';

export type CodeCheck = { result: 'right' } | { result: 'wrong'; attemptsLeft: number } | { result: 'blocked' };

export class EmailLinkService implements EmailLinks {
  constructor(
    private readonly deps: {
      store: EmailLinkStore;
      sealer: Pick<Sealer, 'keyedHash' | 'matchesKeyedHash'>;
      /** PUBLIC_URL: the links' origin (empty: relative links, for development only). */
      publicUrl: string;
      now: () => Date;
    },
  ) {}

  async create(link: { sessionId: string; stepId: string; device: string | null; expiresAt: string; allowOtherDevice: boolean }) {
    const token = randomBytes(32).toString('base64url');
    const id = randomUUID();
    const code = link.allowOtherDevice ? String(randomInt(0, 10 ** LINK_CODE_LENGTH)).padStart(LINK_CODE_LENGTH, '0') : null;
    await this.deps.store.create({
      id,
      tokenHash: sha256(token),
      sessionId: link.sessionId,
      stepId: link.stepId,
      deviceHash: link.device,
      codeHash: code === null ? null : this.deps.sealer.keyedHash(CODE_PURPOSE, `${id}:${code}`),
      failures: 0,
      createdAt: this.deps.now().toISOString(),
      expiresAt: link.expiresAt,
      usedAt: null,
    });
    return { id, url: `${this.deps.publicUrl}/v1/links/${token}`, code };
  }

  async status(id: string, now: Date): Promise<EmailLinkStatus> {
    const link = await this.deps.store.get(id);
    return link ? linkState(link, now) : 'missing';
  }

  /** The link a token names; null for an unknown (or malformed) token. */
  async find(token: string): Promise<EmailLinkRecord | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    return this.deps.store.findByTokenHash(sha256(token));
  }

  /** Whether the request's device cookie is the one of the browser the link was sent from. */
  sameDevice(link: EmailLinkRecord, cookie: string | null): boolean {
    if (link.deviceHash === null || cookie === null) return false;
    return secretsEqual(deviceHash(cookie), link.deviceHash);
  }

  /**
   * Checks a code typed in another browser: the attempt is counted first (atomically), so parallel
   * guesses never get more than LINK_CODE_ATTEMPTS comparisons; the last wrong one blocks the link.
   */
  async checkCode(link: EmailLinkRecord, typed: string): Promise<CodeCheck> {
    if (link.codeHash === null) return { result: 'blocked' };
    const count = await this.deps.store.recordFailure(link.id, LINK_CODE_ATTEMPTS);
    if (count === null) return { result: 'blocked' };
    const code = typed.replace(/\s+/g, '');
    if (this.deps.sealer.matchesKeyedHash(CODE_PURPOSE, `${link.id}:${code}`, link.codeHash)) return { result: 'right' };
    return count >= LINK_CODE_ATTEMPTS ? { result: 'blocked' } : { result: 'wrong', attemptsLeft: LINK_CODE_ATTEMPTS - count };
  }

  /** Marks the link used: true once, only while unused and unexpired. */
  consume(link: EmailLinkRecord): Promise<boolean> {
    return this.deps.store.consume(link.id, this.deps.now().toISOString());
  }

  state(link: EmailLinkRecord): Exclude<EmailLinkStatus, 'missing'> {
    return linkState(link, this.deps.now());
  }
}

function linkState(link: EmailLinkRecord, now: Date): Exclude<EmailLinkStatus, 'missing'> {
  if (link.usedAt !== null) return 'used';
  if (link.failures >= LINK_CODE_ATTEMPTS) return 'blocked';
  if (now.getTime() >= Date.parse(link.expiresAt)) return 'expired';
  return 'pending';
}
