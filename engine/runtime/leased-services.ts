/**
 * The step services as a run uses them (issue #24; one place, not in each step): each store write
 * and outbound effect a step makes first takes the session's lease (run-writes.ts), so a running
 * submit stays exclusive across processes before anything leaves the engine or is written.
 * The hot path costs nothing extra: the attempt reservation carries the lease in its own
 * statement, a success's lockout reset and the code's compare-and-set (guards) commit with the
 * save. Reads pass through; outside a run every operation is immediate, as before.
 */
import type { AttemptStore, AuthenticatorStore, RecoveryCodeStore, StoreGuard } from '../store/store.js';
import type { StepServices } from '../steps/step-types.js';
import { currentRunWrites } from './run-writes.js';

/** Runs `effect` once the current run (if any) holds its lease. */
async function leaseFirst<T>(effect: () => Promise<T>): Promise<T> {
  await currentRunWrites()?.lease?.ensure();
  return effect();
}

/** In a submit, `guard` waits for the save (answering true: the save decides); elsewhere `immediate` runs now. */
async function guarded(guard: StoreGuard, immediate: () => Promise<boolean>): Promise<boolean> {
  const writes = currentRunWrites();
  if (!writes?.defersGuards) return leaseFirst(immediate);
  writes.guard(guard);
  return true;
}

export function leasedServices(services: StepServices): StepServices {
  const { users, http, credentials, messaging, links, limits } = services;
  return {
    ...services,
    users: {
      findById: (id) => users.findById(id),
      findByUsername: (username) => users.findByUsername(username),
      create: (input) => leaseFirst(() => users.create(input)),
    },
    http: { request: (request) => leaseFirst(() => http.request(request)) },
    credentials: {
      ...credentials,
      authenticators: leasedAuthenticators(credentials.authenticators),
      attempts: leasedAttempts(credentials.attempts),
      recoveryCodes: leasedRecoveryCodes(credentials.recoveryCodes),
    },
    messaging: { send: (message, channels, options) => leaseFirst(() => messaging.send(message, channels, options)) },
    links: {
      create: (link) => leaseFirst(() => links.create(link)),
      status: (id, now) => links.status(id, now),
    },
    limits: {
      reserve: (key, limit) => leaseFirst(() => limits.reserve(key, limit)),
      succeeded: (key, limit) => leaseFirst(() => limits.succeeded(key, limit)),
    },
  };
}

function leasedAttempts(store: AttemptStore): AttemptStore {
  return {
    // The hot path's first write: the reservation carries the lease in its own transaction.
    reserve: async (key, meta, maxFailures, now, lockUntil, onLock) => {
      const lease = currentRunWrites()?.lease;
      if (!lease) return store.reserve(key, meta, maxFailures, now, lockUntil, onLock);
      try {
        return await lease.write(
          async (claim) => {
            const taken = await store.reserveWithLease(claim, key, meta, maxFailures, now, lockUntil, onLock);
            return taken && { revision: taken.revision, value: taken.failures };
          },
          () => store.reserve(key, meta, maxFailures, now, lockUntil, onLock),
        );
      } catch (error) {
        // Refused lease (another submit runs): nothing was reserved, and the submit answers 409
        // whatever the step makes of it. Answered as "no attempt" rather than thrown, so the
        // commonest race (a double click) is not logged as a step failing unexpectedly.
        if (lease.lost) return null;
        throw error;
      }
    },
    reserveWithLease: (...args) => store.reserveWithLease(...args),
    get: (key) => store.get(key),
    listBySubject: (subject) => store.listBySubject(subject),
    clearSubject: (subject, records) => leaseFirst(() => store.clearSubject(subject, records)),
    // Inside a run, written by the session's save (losing it only locks sooner); outside, at once.
    reset: async (key) => {
      const writes = currentRunWrites();
      if (writes) writes.resetAttempts(key);
      else await store.reset(key);
    },
  };
}

function leasedAuthenticators(store: AuthenticatorStore): AuthenticatorStore {
  return {
    get: (id) => store.get(id),
    listByUser: (userId) => store.listByUser(userId),
    listSealedNotUnder: (keyId, limit) => store.listSealedNotUnder(keyId, limit),
    create: (record, records) => leaseFirst(() => store.create(record, records)),
    confirm: (id, at) => leaseFirst(() => store.confirm(id, at)),
    confirmEnrolment: (id, userId, at, options) => leaseFirst(() => store.confirmEnrolment(id, userId, at, options)),
    advanceTimeStep: (id, timeStep, at) => guarded({ op: 'authenticators.advanceTimeStep', id, timeStep, at }, () => store.advanceTimeStep(id, timeStep, at)),
    advanceSignCount: (id, signCount, params, at) => leaseFirst(() => store.advanceSignCount(id, signCount, params, at)),
    delete: (userId, id, records) => leaseFirst(() => store.delete(userId, id, records)),
    updateSealedSecret: (id, sealed) => leaseFirst(() => store.updateSealedSecret(id, sealed)),
  };
}

function leasedRecoveryCodes(store: RecoveryCodeStore): RecoveryCodeStore {
  return {
    replace: (userId, codes) => leaseFirst(() => store.replace(userId, codes)),
    listUnused: (userId) => store.listUnused(userId),
    consume: (id, at) => guarded({ op: 'recoveryCodes.consume', id, at }, () => store.consume(id, at)),
  };
}
