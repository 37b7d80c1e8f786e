import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMessageDelivery } from '../../engine/channels/delivery.js';
import { outboxProvider } from '../../engine/channels/outbox-provider.js';
import { openSqliteStore } from '../../engine/store/sqlite/sqlite-store.js';
import type { Store } from '../../engine/store/store.js';
import { tempDataDir } from '../helpers/test-server.js';

describe('message delivery with an idempotency key', () => {
  let store: Store;
  afterEach(() => store?.close());

  function delivery() {
    store = openSqliteStore(join(tempDataDir(), 'db.sqlite'));
    const now = () => new Date('2026-01-15T10:00:00.000Z');
    const providers = {
      sms: outboxProvider('sms', store.outbox, now),
      whatsapp: outboxProvider('whatsapp', store.outbox, now),
      email: outboxProvider('email', store.outbox, now),
    };
    return createMessageDelivery({ providers, counters: store.counters, limits: {
        destination: { count: 100, windowSeconds: 900 },
        client: { count: 100, windowSeconds: 900 },
        country: { count: 100, windowSeconds: 900 },
        global: { count: 100, windowSeconds: 900 },
        allowedCountries: null,
      }, now, logger: pino({ level: 'silent' }) });
  }

  it('records the send before it goes out: the same key never sends twice, even concurrently', async () => {
    const d = delivery();
    const message = { to: '+14155550123', body: 'Your code is 123456', sessionId: 's1' };
    const results = await Promise.all(Array.from({ length: 5 }, () => d.send(message, ['sms'], { idempotencyKey: 's1:3:otp' })));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await store.outbox.list({ sessionId: 's1', limit: 10 })).toHaveLength(1);
    // Another submit (another key) sends again.
    expect((await d.send(message, ['sms'], { idempotencyKey: 's1:5:otp' })).duplicate).toBeUndefined();
    expect(await store.outbox.list({ sessionId: 's1', limit: 10 })).toHaveLength(2);
  });
});
