/**
 * JSONata expressions in step config: `"{% ... %}"` strings. Compiled once per journey version,
 * evaluated with guardrails (time, stack depth, sequence length) and the clock bound per
 * evaluation, so a cached expression never shares `$now()` between concurrent sessions.
 */
import jsonata from 'jsonata';
import { LinearRegExp } from '../security/linear-regex.js';
import type { AuthState, IssuedToken, UserContext } from '../steps/step-types.js';
import { BUDGET_EXCEEDED, ExpressionMeter, RUN_LIMITS, type RunBudget } from './run-budget.js';
import { NOT_DIRECT, directEvaluator } from './direct-expressions.js';

export { NOT_DIRECT };

/** The binding that carries an evaluation's meter to the entry hook (no expression may name it). */
const METER_BINDING = '__meter';
const RESULT_TOO_LARGE = 'result_too_large';

export const EXPRESSION_LIMITS = { timeoutMs: 1000, stackDepth: 200, sequenceLength: 100_000 } as const;

const EXPRESSION = /^\{%([\s\S]*)%\}$/;
const formatMillis = jsonata('$fromMillis(m, p, t)');
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype', METER_BINDING]);

export class ExpressionError extends Error {
  readonly code = 'expression_error';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && EXPRESSION.test(value);
}

export interface ExpressionScope {
  variables: Record<string, unknown>;
  input: unknown;
  user: UserContext | null;
  /** `$auth`: what the session proved about `$user` (null while not established). */
  auth?: AuthState | null;
  tokens: readonly IssuedToken[];
  now: Date;
  /** The run's CPU budget, charged with the evaluation's time (none: only the expression limit). */
  budget?: RunBudget;
}

export interface CompiledExpression {
  source: string;
  /** The expression's regex literals (`/…/`), as JSONata parsed them; they run on RE2. */
  regexes: readonly RegExp[];
  evaluate(scope: ExpressionScope): Promise<unknown>;
  /**
   * The result without a promise, when the expression is read directly (direct-expressions.ts)
   * and the data lets it; NOT_DIRECT otherwise. Throws what `evaluate` rejects with.
   */
  evaluateDirectly(scope: ExpressionScope): unknown;
}

/**
 * Parsed expressions by source text. A compiled expression holds no per-evaluation state (the
 * clock and scope are bound at each call), so journeys, versions and validations share them.
 */
const compiledBySource = new Map<string, CompiledExpression | Error>();
const COMPILED_CACHE_LIMIT = 10_000;

/** Compiles one `{% %}` string (cached); throws an Error with a safe message. */
export function compileExpression(source: string): CompiledExpression {
  let compiled = compiledBySource.get(source);
  if (!compiled) {
    try {
      compiled = parseExpression(source);
    } catch (error) {
      compiled = error as Error;
    }
    if (compiledBySource.size >= COMPILED_CACHE_LIMIT) compiledBySource.delete(compiledBySource.keys().next().value!);
    compiledBySource.set(source, compiled);
  }
  if (compiled instanceof Error) throw compiled;
  return compiled;
}

function parseExpression(source: string): CompiledExpression {
  const match = EXPRESSION.exec(source);
  const body = match ? match[1] : source;
  let expression: jsonata.Expression;
  try {
    // No JSONata timeout: it counts wall time, yields included; the meter counts CPU time instead.
    expression = jsonata(body, {
      stack: EXPRESSION_LIMITS.stackDepth,
      sequence: EXPRESSION_LIMITS.sequenceLength,
      // $match, $contains, $replace and $split with a /regex/ run on RE2: linear in the string.
      RegexEngine: LinearRegExp as unknown as RegExpConstructor,
    });
  } catch (error) {
    const e = error as { code?: string; message?: string; position?: number };
    throw new Error(`${e.message ?? 'syntax error'}${e.position !== undefined ? ` (at ${e.position})` : ''}`);
  }
  const forbidden = findForbiddenName(expression.ast());
  if (forbidden) throw new Error(`"${forbidden}" may not be used in an expression`);
  expression.assign(EVALUATE_ENTRY as unknown as string, meterEntry);
  // A literal, a variable path or simple arithmetic is read directly (same result, same errors).
  const direct = directEvaluator(expression.ast());
  const evaluateDirectly = (scope: ExpressionScope): unknown => {
    if (!direct) return NOT_DIRECT;
    // As JSONata's evaluation ends with the meter's charge: a spent budget refuses it.
    if (scope.budget?.exhausted) throw { code: BUDGET_EXCEEDED, value: scope.budget.limitMs };
    const value = direct(scope);
    return value === NOT_DIRECT ? NOT_DIRECT : capped(toPlainJson(value));
  };

  return {
    source,
    regexes: findRegexLiterals(expression.ast()),
    evaluateDirectly,
    async evaluate(scope) {
      const value = evaluateDirectly(scope);
      if (value !== NOT_DIRECT) return value;
      const iso = scope.now.toISOString();
      const millis = scope.now.getTime();
      const meter = new ExpressionMeter(scope.budget, EXPRESSION_LIMITS.timeoutMs);
      const result = await expression.evaluate(scope.variables, {
        [METER_BINDING]: meter,
        input: scope.input,
        user: scope.user,
        auth: scope.auth ?? null,
        userTokens: () => scope.tokens,
        // The clock is bound per evaluation; a picture or timezone is formatted as JSONata's own $now would.
        now: (picture?: string, timezone?: string) =>
          picture === undefined && timezone === undefined ? iso : formatMillis.evaluate({ m: millis, p: picture, t: timezone }),
        millis: () => millis,
      });
      meter.charge();
      return capped(toPlainJson(result));
    },
  };
}

/** JSONata calls this at every node it evaluates (and awaits it): the meter's hook. */
const EVALUATE_ENTRY = Symbol.for('jsonata.__evaluate_entry');
function meterEntry(_expr: unknown, _input: unknown, environment: { lookup(name: string): unknown }): Promise<void> | undefined {
  return (environment.lookup(METER_BINDING) as ExpressionMeter | undefined)?.enter();
}

/** A value larger than an expression may produce fails like any evaluation error (no value quoted). */
function capped(value: unknown): unknown {
  const size = typeof value === 'string' ? value.length : value !== null && typeof value === 'object' ? JSON.stringify(value).length : 0;
  if (size > RUN_LIMITS.expressionResultChars) throw { code: RESULT_TOO_LARGE, value: RUN_LIMITS.expressionResultChars };
  return value;
}

function findForbiddenName(node: unknown): string | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findForbiddenName(item);
      if (found) return found;
    }
    return null;
  }
  if (node && typeof node === 'object') {
    const n = node as { type?: string; value?: unknown };
    if ((n.type === 'name' || n.type === 'string' || n.type === 'variable') && typeof n.value === 'string' && FORBIDDEN_NAMES.has(n.value)) {
      return n.value;
    }
    for (const value of Object.values(node)) {
      const found = findForbiddenName(value);
      if (found) return found;
    }
  }
  return null;
}

/** The regex literals of a parsed expression (JSONata keeps each as a RegExp in a `regex` node). */
function findRegexLiterals(node: unknown, found: RegExp[] = []): RegExp[] {
  if (node instanceof RegExp) return found;
  if (Array.isArray(node)) {
    for (const item of node) findRegexLiterals(item, found);
  } else if (node && typeof node === 'object') {
    const n = node as { type?: string; value?: unknown };
    if (n.type === 'regex' && n.value instanceof RegExp) found.push(n.value);
    for (const value of Object.values(node)) findRegexLiterals(value, found);
  }
  return found;
}

/** JSONata returns sequences and may return functions; variables hold plain JSON only. */
function toPlainJson(value: unknown): unknown {
  if (value === undefined || value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const text = JSON.stringify(value, (_key, v) => {
    if (typeof v === 'function') return undefined;
    // JSONata's own function values are objects (lambdas even hold their environment): drop them.
    if (v && typeof v === 'object' && (v._jsonata_lambda || v._jsonata_function)) return undefined;
    return v;
  });
  return text === undefined ? undefined : JSON.parse(text);
}

/** JSONata error codes D1011/D1012/sequence limits become a clear, value-free message. */
export function describeEvaluationError(error: unknown): string {
  const e = error as { code?: string };
  switch (e?.code) {
    case 'D1012':
      return `expression exceeded ${EXPRESSION_LIMITS.timeoutMs} ms`;
    case 'D1011':
      return `expression exceeded stack depth ${EXPRESSION_LIMITS.stackDepth}`;
    case 'D2014':
    case 'D2015':
      return `expression exceeded sequence length ${EXPRESSION_LIMITS.sequenceLength}`;
    case BUDGET_EXCEEDED:
      return `the request exceeded its CPU budget of ${(e as { value?: number }).value} ms`;
    case RESULT_TOO_LARGE:
      return `expression result exceeds ${RUN_LIMITS.expressionResultChars} characters`;
    case 'unsupported_pattern':
      // A regex literal of the journey (published before patterns were checked): its text, not data.
      return `expression failed: ${(e as { message?: string }).message}`;
    default:
      // JSONata messages may quote the values they failed on (which can be user data): keep the code only.
      return `expression failed${e?.code ? ` (${e.code})` : ''}`;
  }
}

/**
 * A config value with its expressions compiled: evaluation copies the literal parts and
 * replaces each expression with its value (an `undefined` result removes the key).
 */
export interface ConfigTemplate {
  literal: unknown;
  expressions: Array<{ path: string[]; expression: CompiledExpression }>;
}

export function compileConfigTemplate(config: unknown): ConfigTemplate {
  const expressions: ConfigTemplate['expressions'] = [];
  collect(config, [], (path, source) => expressions.push({ path, expression: compileExpression(source) }));
  return { literal: config, expressions };
}

/** Every `{% %}` string in a value with its path; used by the validator and the compiler. */
export function collect(value: unknown, path: string[], visit: (path: string[], source: string) => void): void {
  if (isExpression(value)) {
    visit(path, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => collect(item, [...path, String(index)], visit));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collect(item, [...path, key], visit);
  }
}

export async function evaluateConfigTemplate(template: ConfigTemplate, scope: ExpressionScope): Promise<unknown> {
  if (template.expressions.length === 0) return structuredClone(template.literal);
  const result = structuredClone(template.literal) as Record<string, unknown>;
  for (const { path, expression } of template.expressions) {
    let value: unknown;
    try {
      value = await expression.evaluate(scope);
    } catch (error) {
      throw new ExpressionError(describeEvaluationError(error), '/' + path.join('/'));
    }
    if (path.length === 0) return value;
    setAt(result, path, value);
  }
  return result;
}

/**
 * `evaluateConfigTemplate` without a promise when every expression is read directly (most configs:
 * literals and variable paths); NOT_DIRECT when one is not, and then `evaluateConfigTemplate`
 * gives the result (direct reads have no effects, so evaluating again is safe). Throws the
 * ExpressionError `evaluateConfigTemplate` rejects with.
 */
export function evaluateConfigTemplateDirectly(template: ConfigTemplate, scope: ExpressionScope): unknown {
  if (template.expressions.length === 0) return structuredClone(template.literal);
  let result: Record<string, unknown> | undefined;
  for (const { path, expression } of template.expressions) {
    let value: unknown;
    try {
      value = expression.evaluateDirectly(scope);
    } catch (error) {
      throw new ExpressionError(describeEvaluationError(error), '/' + path.join('/'));
    }
    if (value === NOT_DIRECT) return NOT_DIRECT;
    if (path.length === 0) return value;
    result ??= structuredClone(template.literal) as Record<string, unknown>;
    setAt(result, path, value);
  }
  return result;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1];
  if (value === undefined && !Array.isArray(node)) delete node[last];
  else node[last] = value === undefined ? null : value;
}
