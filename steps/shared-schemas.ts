/** Schema fragments several built-in steps share. */
import { RESERVED_VARIABLE_NAMES, VARIABLE_NAME_PATTERN } from '../engine/sdk.js';

export const outputVariableSchema = {
  type: 'string',
  pattern: VARIABLE_NAME_PATTERN,
  not: { enum: RESERVED_VARIABLE_NAMES },
  description: 'The variable that receives what the step produces.',
} as const;

/** Branch ids chosen by admins (form options, switch cases); `failure` and `default` are reserved. */
export const branchIdSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9_.-]{1,64}$',
  not: { enum: ['failure', 'default'] },
} as const;
