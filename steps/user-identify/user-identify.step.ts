import { randomUUID } from 'node:crypto';
import { defineStep, toUserContext, type UserRecord } from '../../engine/sdk.js';

type Mode = 'find' | 'create' | 'find-or-create';

export const userIdentifyStep = defineStep({
  type: 'user.identify',
  title: 'Identify User',
  category: 'identity',
  description:
    'Makes a user the user context ($user). mode "find" (the default) finds them by username or id, "create" creates a new user only, "find-or-create" either. A created user is established ($auth); a found one is only identified: a typed username proves nothing, so prove a factor next. Fails user_not_found, username_taken (create: the normalised username exists) or user_exists (create: the id exists).',
  interactive: false,
  writes: { user: {}, auth: {} },
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['username'] }, { required: ['userId'] }],
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 256, title: 'Username' },
      userId: { type: 'string', minLength: 1, maxLength: 256, title: 'User id' },
      mode: { type: 'string', enum: ['find', 'create', 'find-or-create'], title: 'Mode' },
      create: {
        type: 'boolean',
        title: 'Create when missing (deprecated: use mode)',
        description: 'Deprecated: true reads as mode "find-or-create", false as "find".',
        deprecated: true,
      },
      attributes: { type: 'object', title: 'Attributes (set when created)' },
    },
  },
  async run(ctx) {
    const { username, userId, attributes } = ctx.config;
    const mode: Mode = ctx.config.mode ?? (ctx.config.create ? 'find-or-create' : 'find');
    const users = ctx.services.users;

    if (mode !== 'create') {
      const found = userId !== undefined ? await users.findById(userId) : await users.findByUsername(username!);
      if (found) return ctx.branch('success', { user: toUserContext(found), ...trustedCallerProof(ctx, userId !== undefined ? 'userId' : 'username') });
      if (mode === 'find') return ctx.fail({ code: 'user_not_found', message: 'no such user' });
    }

    if (userId !== undefined && (await users.findById(userId))) {
      return ctx.fail({ code: 'user_exists', message: 'a user with this id exists already' });
    }
    const id = userId ?? randomUUID();
    const created: UserRecord = await users.create({ id, username: username ?? null, attributes: attributes ?? {} });
    // The store answers the existing user when the normalised username is taken: never hand it over.
    if (created.id !== id) return ctx.fail({ code: 'username_taken', message: 'the username is taken' });
    return ctx.branch('success', { user: toUserContext(created), established: true });
  },
});

/**
 * A user an app or admin caller named in the start input is established by that caller's word
 * (the Authsignal `track` case); anything a user typed is not.
 */
function trustedCallerProof(ctx: { fromTrustedCaller(key: string): boolean }, key: string): { established?: true } {
  return ctx.fromTrustedCaller(key) ? { established: true } : {};
}
