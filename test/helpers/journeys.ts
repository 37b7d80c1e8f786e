/** Journey fixtures several suites share. */
import { readFileSync } from 'node:fs';

type Doc = Record<string, any>;

/** A sample journey as shipped in journeys/. */
export function loadSampleJourney(name: string): Doc {
  return JSON.parse(readFileSync(new URL(`../../journeys/${name}.json`, import.meta.url), 'utf8')) as Doc;
}

/** A form asking option `next` `{ username }` into `account`, then `next`. */
export const usernameForm = (next: string) => ({
  type: 'form',
  config: {
    outputVariable: 'account',
    options: [
      { id: 'next', label: 'Next', schema: { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1 } } } },
    ],
  },
  branches: { next },
});

/** A reject step carrying the failed step's error (stored in `authError`). */
export const rejectWithError = { type: 'reject', config: { code: '{% authError.code %}', message: '{% authError.message %}' } };

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
