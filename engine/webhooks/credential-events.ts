/**
 * The credential stores as steps see them, raising webhook events with the changes: an
 * authenticator confirmed (created confirmed, or its enrolment confirmed) is `authenticator.added`,
 * one a step removes is `authenticator.removed`, and the attempt that locks a credential of a user
 * is `user.locked`, each written in the change's own transaction.
 */
import type { AttemptStore, AuthenticatorStore } from '../store/store.js';
import { authenticatorAdded, authenticatorRemoved, userLocked } from './events.js';

export function authenticatorsWithEvents(store: AuthenticatorStore, now: () => Date): AuthenticatorStore {
  return {
    get: (id) => store.get(id),
    listByUser: (userId) => store.listByUser(userId),
    confirm: (id, at) => store.confirm(id, at),
    advanceTimeStep: (id, timeStep, at) => store.advanceTimeStep(id, timeStep, at),
    advanceSignCount: (id, signCount, params, at) => store.advanceSignCount(id, signCount, params, at),
    listSealedNotUnder: (keyId, limit) => store.listSealedNotUnder(keyId, limit),
    updateSealedSecret: (id, sealed) => store.updateSealedSecret(id, sealed),
    create: (record, records) =>
      store.create(record, record.confirmedAt ? { ...records, events: [...(records?.events ?? []), authenticatorAdded(record, now())] } : records),
    async confirmEnrolment(id, userId, at, options) {
      const pending = await store.get(id);
      const events = pending ? [authenticatorAdded({ id, userId, type: pending.type }, now())] : [];
      return store.confirmEnrolment(id, userId, at, { ...options, records: { ...options.records, events: [...(options.records?.events ?? []), ...events] } });
    },
    async delete(userId, id, records) {
      const existing = await store.get(id);
      const events = existing && existing.userId === userId ? [authenticatorRemoved(existing, 'journey', now())] : [];
      return store.delete(userId, id, { ...records, events: [...(records?.events ?? []), ...events] });
    },
  };
}

export function attemptsWithEvents(store: AttemptStore, now: () => Date): AttemptStore {
  return {
    reset: (key) => store.reset(key),
    get: (key) => store.get(key),
    listBySubject: (subject) => store.listBySubject(subject),
    clearSubject: (subject, records) => store.clearSubject(subject, records),
    reserve: (key, meta, maxFailures, at, lockUntil, onLock) =>
      store.reserve(
        key,
        meta,
        maxFailures,
        at,
        lockUntil,
        // Locks of a user's credential are events; a lock with no user behind it is not.
        meta.subject ? { ...onLock, events: [...(onLock?.events ?? []), userLocked({ userId: meta.subject, kind: meta.kind, lockedUntil: lockUntil }, now())] } : onLock,
      ),
    // Issue #24: the same, with the session's lease taken in the reservation's transaction.
    reserveWithLease: (lease, key, meta, maxFailures, at, lockUntil, onLock) =>
      store.reserveWithLease(
        lease,
        key,
        meta,
        maxFailures,
        at,
        lockUntil,
        meta.subject ? { ...onLock, events: [...(onLock?.events ?? []), userLocked({ userId: meta.subject, kind: meta.kind, lockedUntil: lockUntil }, now())] } : onLock,
      ),
  };
}
