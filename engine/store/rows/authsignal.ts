/** Rows of `authsignal_actions` and `authsignal_sessions` (the Authsignal-compatible API, #22). */
import type { AuthsignalActionRecord, AuthsignalSessionRecord } from '../store.js';
import type { RowShape } from './shape.js';

export const authsignalActionRow: RowShape<AuthsignalActionRecord> = {
  table: 'authsignal_actions',
  columns: ['id', 'user_id', 'action', 'state', 'state_updated_at', 'verification_method', 'reviewed_at', 'validated_at', 'claimed_at', 'created_at'],
  fromRow: (r) => ({
    id: r.id,
    userId: r.user_id,
    action: r.action,
    state: r.state,
    stateUpdatedAt: r.state_updated_at,
    verificationMethod: r.verification_method,
    reviewedAt: r.reviewed_at,
    validatedAt: r.validated_at,
    claimedAt: r.claimed_at,
    createdAt: r.created_at,
  }),
  values: (a) => [a.id, a.userId, a.action, a.state, a.stateUpdatedAt, a.verificationMethod, a.reviewedAt, a.validatedAt, a.claimedAt, a.createdAt],
};

export const authsignalSessionRow: RowShape<AuthsignalSessionRecord> = {
  table: 'authsignal_sessions',
  columns: ['id', 'user_id', 'client_id', 'refresh_token_hash', 'verification_method', 'action_id', 'created_at', 'expires_at', 'revoked_at'],
  fromRow: (r) => ({
    id: r.id,
    userId: r.user_id,
    clientId: r.client_id,
    refreshTokenHash: r.refresh_token_hash,
    verificationMethod: r.verification_method,
    actionId: r.action_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  }),
  values: (s) => [s.id, s.userId, s.clientId, s.refreshTokenHash, s.verificationMethod, s.actionId, s.createdAt, s.expiresAt, s.revokedAt],
};
