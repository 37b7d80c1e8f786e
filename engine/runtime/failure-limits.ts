/**
 * FailureLimits for steps (engine/sdk.ts), on the store's fixed-window counters: an attempt takes
 * a hit before it is evaluated (so parallel attempts cannot exceed the limit) and a success gives
 * it back, so only failures stay counted.
 */
import type { FailureLimit, FailureLimits } from '../steps/step-types.js';
import type { CounterStore } from '../store/store.js';

export function failureLimits(counters: CounterStore, now: () => Date): FailureLimits {
  const counterKey = (key: string) => `failures:${key}`;
  return {
    async reserve(key: string, limit: FailureLimit) {
      const at = now().toISOString();
      const count = await counters.increment(counterKey(key), limit.windowSeconds, at);
      if (count <= limit.count) return { allowed: true };
      // Over the limit: this refused attempt is not a failure of its own.
      await counters.decrement(counterKey(key), limit.windowSeconds, at);
      return { allowed: false, retryAfter: limit.windowSeconds };
    },
    async succeeded(key: string, limit: FailureLimit) {
      await counters.decrement(counterKey(key), limit.windowSeconds, now().toISOString());
    },
  };
}
