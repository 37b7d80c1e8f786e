/** Rows of `email_links`. */
import type { EmailLinkRecord } from '../store.js';
import type { RowShape } from './shape.js';

export const emailLinkRow: RowShape<EmailLinkRecord> = {
  table: 'email_links',
  columns: ['id', 'token_hash', 'session_id', 'step_id', 'device_hash', 'code_hash', 'failures', 'created_at', 'expires_at', 'used_at'],
  fromRow: (r) => ({
    id: r.id,
    tokenHash: r.token_hash,
    sessionId: r.session_id,
    stepId: r.step_id,
    deviceHash: r.device_hash,
    codeHash: r.code_hash,
    failures: r.failures,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
  }),
  values: (l) => [l.id, l.tokenHash, l.sessionId, l.stepId, l.deviceHash, l.codeHash, l.failures, l.createdAt, l.expiresAt, l.usedAt],
};
