/**
 * Preloaded into an engine process (`node --import tsx --import ./test/reliability/clock-skew.ts`)
 * to run its wall clock CLOCK_SKEW_MS ahead (or behind, when negative) of the machine's: every
 * `Date.now()` and `new Date()` of that process, and nothing else, is shifted.
 */
const skewMs = Number(process.env.CLOCK_SKEW_MS ?? 0);

if (skewMs) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + skewMs);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + skewMs;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
}

export {};
