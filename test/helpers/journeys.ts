/** Journey fixtures several suites share. */

export const nameSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 20 } },
};

/** ask (form: go | cancel) → shown (display, waits again) → done (complete); cancel → no (reject). */
export function nameFormJourney(id: string, name: string, settings: Record<string, unknown> = { public: true }) {
  return {
    id,
    name,
    start: 'ask',
    settings,
    steps: {
      ask: {
        type: 'form',
        name: 'Ask a name',
        config: {
          outputVariable: 'login',
          title: 'Who are you?',
          options: [
            { id: 'go', label: 'Go', schema: nameSchema },
            { id: 'cancel', label: 'Cancel' },
          ],
        },
        branches: { go: 'shown', cancel: 'no' },
      },
      shown: { type: 'display', config: { title: 'Hello', text: 'Welcome' }, branches: { next: 'done' } },
      done: { type: 'complete', config: { claims: { name: '{% login.name %}' } } },
      no: { type: 'reject', config: { code: 'cancelled', message: 'Cancelled' } },
    },
  };
}
