/**
 * Which journey an Authsignal action runs (journeyForAction): the latest published version's
 * `settings.actions` decides, so publishing a new version moves an action at once, even though
 * each version's actions are read only once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { journeyForAction } from '../../integrations/authsignal/common.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../engine/store/store.js';

const at = '2026-01-01T00:00:00.000Z';
const journey = (id: string, actions?: string[]) => ({
  id,
  name: id,
  start: 'done',
  settings: actions ? { actions } : {},
  steps: { done: { type: 'complete' } },
});

async function publish(store: Store, id: string, actions?: string[]): Promise<void> {
  const document = journey(id, actions);
  const hash = `${id}-${(actions ?? []).join(',')}`;
  await store.journeys.saveDraft(id, document, at);
  await store.journeys.publish(id, hash, document, at);
}

describe('journeyForAction', () => {
  let store: Store;
  afterEach(() => store.close());

  it('follows the latest published version of each journey', async () => {
    store = openSqliteStore(':memory:');
    await publish(store, 'a', ['signIn']);
    await publish(store, 'b');
    expect(await journeyForAction(store, 'signIn', 'fallback')).toBe('a');
    expect(await journeyForAction(store, 'b', 'fallback')).toBe('b'); // by id
    expect(await journeyForAction(store, 'other', 'fallback')).toBe('fallback');

    // A new version of `a` no longer lists the action and `b` takes it: the next track follows.
    await publish(store, 'a');
    await publish(store, 'b', ['signIn']);
    expect(await journeyForAction(store, 'signIn', 'fallback')).toBe('b');

    // A deleted journey runs no action.
    await store.journeys.delete('b');
    expect(await journeyForAction(store, 'signIn', 'fallback')).toBe('fallback');
  });

  it('keeps what it read for one store apart from another store', async () => {
    store = openSqliteStore(':memory:');
    const other = openSqliteStore(':memory:');
    try {
      await publish(store, 'a', ['signIn']);
      await publish(other, 'a', ['payment']);
      expect(await journeyForAction(store, 'signIn', 'fallback')).toBe('a');
      expect(await journeyForAction(other, 'signIn', 'fallback')).toBe('fallback');
      expect(await journeyForAction(other, 'payment', 'fallback')).toBe('a');
    } finally {
      await other.close();
    }
  });
});
