/**
 * The CPU budget of one run (a start or a submit): the time spent evaluating expressions and in
 * step code, whatever the number of steps, is shared, so a journey of many steps each "just under"
 * an expression limit cannot hold a request for minutes. Waits on the outside world (outbound HTTP,
 * message providers) are not charged. Expression evaluation yields to the event loop every slice,
 * so one hostile run never freezes the other requests meanwhile.
 */
// No Node built-ins here: the designer's validator loads this module (through expressions.ts) in
// the browser. What needs Node (the run's async scope) is in run-scope.ts.

export const RUN_LIMITS = {
  /** CPU time one start or submit may spend in expressions and step code (RUN_CPU_BUDGET_MS). */
  cpuBudgetMs: 2000,
  /** Longest stretch of expression evaluation before it lets other requests run. */
  sliceMs: 20,
  /** Largest value one expression may produce, in characters of its JSON. */
  expressionResultChars: 262_144,
  /** Largest total of a session's variables, in characters of their JSON. */
  variablesChars: 1_048_576,
  /** Largest claims of a `complete` step, in characters of their JSON. */
  claimsChars: 65_536,
} as const;

export class RunBudget {
  /** CPU milliseconds charged so far. */
  usedMs = 0;
  /** Milliseconds spent waiting on outbound I/O (not charged). */
  ioMs = 0;

  constructor(readonly limitMs: number) {}

  get exhausted(): boolean {
    return this.usedMs > this.limitMs;
  }
}

/** Thrown inside an expression when the run's budget is spent (turned into `budget_exceeded`). */
export const BUDGET_EXCEEDED = 'budget_exceeded';

/**
 * Meters one expression evaluation: charges its time to the run, enforces the per-expression
 * limit, and every `sliceMs` yields to the event loop (the time yielded is nobody's CPU).
 */
export class ExpressionMeter {
  private calls = 0;
  private lastMark = performance.now();
  private sliceStart = this.lastMark;
  private usedMs = 0;

  constructor(
    private readonly budget: RunBudget | undefined,
    private readonly limitMs: number,
  ) {}

  /** Called at every node JSONata evaluates; checks the clock every few nodes (cheap in between). */
  enter(): Promise<void> | undefined {
    if (++this.calls % 16 !== 0) return undefined;
    const now = this.charge();
    if (now - this.sliceStart < RUN_LIMITS.sliceMs) return undefined;
    return new Promise<void>((resolve) => yieldToEventLoop(resolve)).then(() => {
      this.lastMark = this.sliceStart = performance.now();
    });
  }

  /** Charges the time since the last mark; throws JSONata-style errors past a limit. */
  charge(): number {
    const now = performance.now();
    const spent = now - this.lastMark;
    this.lastMark = now;
    this.usedMs += spent;
    if (this.budget) this.budget.usedMs += spent;
    // Shaped like JSONata's own errors (code D1012 is its timeout), so one path reports both.
    if (this.usedMs > this.limitMs) throw { code: 'D1012', value: this.limitMs };
    if (this.budget?.exhausted) throw { code: BUDGET_EXCEEDED, value: this.budget.limitMs };
    return now;
  }
}

/** Lets other work run: setImmediate in Node (no 1 ms floor), a zero timeout elsewhere. */
const yieldToEventLoop: (resume: () => void) => void =
  typeof setImmediate === 'function' ? (resume) => setImmediate(resume) : (resume) => setTimeout(resume, 0);
