/**
 * What a start or submit writes, and when (Node only; issue #24: at most two writes per submit).
 *
 * A submit takes its session's lease with its FIRST write instead of a claim of its own: the
 * attempt reservation carries it (AttemptStore.reserveWithLease), any other immediate write or
 * outbound effect takes it first on its own (engine/runtime/leased-services.ts), and a run that
 * wrote nothing takes it in its save (SessionStore.save's `unclaimedAt`). A refused lease makes the
 * submit a 409 conflict, whatever the steps made of the error.
 *
 * The rest waits for the save's transaction: a success's lockout resets (losing one is safe: the
 * credential is at worst locked sooner) and the run's guards, compare-and-sets that decide its
 * outcome (a TOTP time step, a recovery code), which roll the whole save back when they fail.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChangeRecords, LeaseClaim, StoreGuard } from '../store/store.js';
import { EngineError } from './errors.js';

const current = new AsyncLocalStorage<RunWrites>();

const conflict = () => new EngineError('conflict', 'another submit to this session is being processed');

/** A submit's lease on its session: not yet taken, taken (the claimed revision), or refused. */
export class RunLease {
  private revision: number | null = null;
  private refused = false;
  private taking: Promise<unknown> | null = null;

  constructor(
    readonly claim: LeaseClaim,
    /** SessionStore.claim: the lease on its own. */
    private readonly claimAlone: (claim: LeaseClaim) => Promise<number | null>,
    /** Told once, when the lease is taken (the submit's heartbeat starts then). */
    private readonly onTaken: (revision: number) => void,
  ) {}

  /** The revision the lease was taken at; null while not taken. */
  get taken(): number | null {
    return this.revision;
  }

  get lost(): boolean {
    return this.refused;
  }

  /**
   * `first` when this is the run's first write (it carries the lease and answers the revision it
   * took with its value, or null: refused, nothing written), else `then`. Throws conflict once
   * the lease was refused.
   */
  async write<T>(first: (claim: LeaseClaim) => Promise<{ revision: number; value: T } | null>, then: () => Promise<T>): Promise<T> {
    // Writes of one run that overlap wait for the one carrying the lease.
    while (this.taking) await this.taking.catch(() => undefined);
    if (this.refused) throw conflict();
    if (this.revision !== null) return then();
    const carrying = first(this.claim);
    this.taking = carrying;
    try {
      const took = await carrying;
      if (took === null) {
        this.refused = true;
        throw conflict();
      }
      this.revision = took.revision;
      this.onTaken(took.revision);
      return took.value;
    } finally {
      this.taking = null;
    }
  }

  /** Takes the lease on its own unless held (before a write or effect that cannot carry it). */
  async ensure(): Promise<void> {
    await this.write(
      async (claim) => {
        const revision = await this.claimAlone(claim);
        return revision === null ? null : { revision, value: undefined };
      },
      async () => undefined,
    );
  }
}

export class RunWrites {
  private readonly resets = new Set<string>();
  private readonly guards: StoreGuard[] = [];

  /** `lease`: a submit's, taken by its first write; null for a start (its session is new: no lease, guards at once). */
  constructor(readonly lease: RunLease | null) {}

  resetAttempts(key: string): void {
    this.resets.add(key);
  }

  /** Whether guards wait for the save (a submit) or are written at once (a start). */
  get defersGuards(): boolean {
    return this.lease !== null;
  }

  guard(guard: StoreGuard): void {
    this.guards.push(guard);
  }

  /** `records` with this run's deferred writes added (for the session's create or save). */
  addTo(records: ChangeRecords | undefined): ChangeRecords | undefined {
    if (this.resets.size === 0 && this.guards.length === 0) return records;
    return {
      ...records,
      ...(this.resets.size ? { attemptResets: [...(records?.attemptResets ?? []), ...this.resets] } : {}),
      ...(this.guards.length ? { guards: [...(records?.guards ?? []), ...this.guards] } : {}),
    };
  }
}

/** Runs a start's or submit's steps with `writes` as their write context. */
export function collectingRunWrites<T>(writes: RunWrites, run: () => Promise<T>): Promise<T> {
  return current.run(writes, run);
}

/** The write context of the run now going on; undefined outside one (admin routes, offline tools). */
export function currentRunWrites(): RunWrites | undefined {
  return current.getStore();
}
