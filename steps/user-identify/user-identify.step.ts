import { defineStep } from '../../engine/steps/define-step.js';
import { toUserContext } from '../../engine/steps/step-types.js';

export const userIdentifyStep = defineStep({
  type: 'user.identify',
  title: 'Identify User',
  category: 'identity',
  description:
    'Finds the user by username or id and makes them the user context ($user). With "create", a missing user is created (with the given attributes). Fails user_not_found otherwise, and username_taken when creating an id whose username another user holds.',
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
      // The username belongs to someone else: never hand over another user's identity.
      if (userId !== undefined && user.id !== userId) {
        return ctx.fail({ code: 'username_taken', message: 'the username belongs to another user' });
      }
    }
    if (!user) return ctx.fail({ code: 'user_not_found', message: 'no such user' });
    return ctx.branch('success', { user: toUserContext(user) });
  },
});
