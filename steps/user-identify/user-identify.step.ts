import { defineStep } from '../../engine/steps/define-step.js';
import type { UserContext, UserRecord } from '../../engine/steps/step-types.js';

export const userIdentifyStep = defineStep({
  type: 'user.identify',
  title: 'Identify User',
  category: 'identity',
  description:
    'Finds the user by username or id and makes them the user context ($user). With "create", a missing user is created (with the given attributes). Fails user_not_found otherwise.',
  interactive: false,
  branches: ['success'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['username'] }, { required: ['userId'] }],
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 256, title: 'Username' },
      userId: { type: 'string', minLength: 1, maxLength: 256, title: 'User id' },
      create: { type: 'boolean', default: false, title: 'Create when missing' },
      attributes: { type: 'object', title: 'Attributes (set when created)' },
    },
  },
  async run(ctx) {
    const { username, userId, create, attributes } = ctx.config;
    const users = ctx.services.users;
    let user = userId !== undefined ? await users.findById(userId) : await users.findByUsername(username!);
    if (!user && create) {
      user = await users.create({ id: userId, username: username ?? null, attributes: attributes ?? {} });
    }
    if (!user) return ctx.fail({ code: 'user_not_found', message: 'no such user' });
    return ctx.branch('success', { user: toUserContext(user) });
  },
});

export function toUserContext(user: UserRecord): UserContext {
  return { ...user.attributes, id: user.id, username: user.username };
}
