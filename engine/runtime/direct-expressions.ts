/**
 * Most config expressions are a literal, a variable path (`{% loginData.email %}`,
 * `{% $input.email %}`) or simple arithmetic and equality over those. JSONata evaluates even these
 * asynchronously, node by node (a promise per node, its guardrails and our meter at each), which
 * costs a chain step more than the rest of the step. This module compiles such an expression, from
 * the AST JSONata parsed, into a plain function giving JSONata's own result and errors (same codes;
 * `test/runtime/direct-expressions.test.ts` compares both on a corpus). Whenever the data it meets
 * is not one it can answer for exactly (an array anywhere on a path, an object compared with `=`),
 * it answers NOT_DIRECT and the caller evaluates with JSONata as before.
 */
// No Node built-ins here: the designer's validator loads this module (through expressions.ts).

/** The answer of a direct evaluator that cannot give JSONata's result for this data. */
export const NOT_DIRECT: unique symbol = Symbol('not direct');

/** What a direct evaluator reads: the variables (the context `$`) and the bindings. */
export interface DirectScope {
  variables: Record<string, unknown>;
  input: unknown;
  user: unknown;
  auth?: unknown;
}

export type DirectEvaluator = (scope: DirectScope) => unknown;

type Node = { type?: string; value?: unknown; position?: number; [key: string]: unknown };

/** The bindings a direct evaluator reads; any other `$name` (functions, `$now`) goes to JSONata. */
const BINDINGS: Record<string, (scope: DirectScope) => unknown> = {
  '': (scope) => scope.variables,
  $: (scope) => scope.variables,
  input: (scope) => scope.input,
  user: (scope) => scope.user,
  auth: (scope) => scope.auth ?? null,
};

const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const EQUALITY = new Set(['=', '!=']);

/** A direct evaluator for a parsed expression, or null when its shape is not one handled here. */
export function directEvaluator(ast: unknown): DirectEvaluator | null {
  return compileNode(ast as Node);
}

/** True when the node has exactly these keys (anything else, a predicate, `[]`, a group…, is JSONata's). */
function only(node: Node, keys: readonly string[]): boolean {
  const own = Object.keys(node);
  return own.length <= keys.length && own.every((key) => keys.includes(key));
}

function compileNode(node: Node): DirectEvaluator | null {
  if (!node || typeof node !== 'object') return null;
  switch (node.type) {
    case 'number':
    case 'string':
    case 'value': {
      if (!only(node, ['type', 'value', 'position'])) return null;
      const value = node.value;
      return () => value;
    }
    case 'variable': {
      if (!only(node, ['type', 'value', 'position']) || typeof node.value !== 'string') return null;
      return Object.hasOwn(BINDINGS, node.value) ? BINDINGS[node.value] : null;
    }
    case 'path':
      return compilePath(node);
    case 'binary':
      return compileBinary(node);
    case 'block':
      // `(a + 1)`: a block of one expression is that expression (a new frame nothing binds in).
      return only(node, ['type', 'position', 'expressions']) && Array.isArray(node.expressions) && node.expressions.length === 1
        ? compileNode(node.expressions[0] as Node)
        : null;
    default:
      return null;
  }
}

/** `a.b.c` or `$input.a.b`: own properties of plain objects, one value at each step. */
function compilePath(node: Node): DirectEvaluator | null {
  if (!only(node, ['type', 'steps']) || !Array.isArray(node.steps) || node.steps.length === 0) return null;
  const steps = node.steps as Node[];
  let root: DirectEvaluator = BINDINGS[''];
  let names = steps;
  const first = steps[0];
  if (first?.type === 'variable') {
    const binding = compileNode(first);
    if (!binding) return null;
    root = binding;
    names = steps.slice(1);
  }
  const keys: string[] = [];
  for (const step of names) {
    if (!step || step.type !== 'name' || typeof step.value !== 'string' || !only(step, ['type', 'value', 'position'])) return null;
    keys.push(step.value);
  }
  return (scope) => {
    let value = root(scope);
    for (const key of keys) {
      // JSONata maps a path over an array (and flattens): its own evaluation answers for those.
      if (Array.isArray(value)) return NOT_DIRECT;
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    // A path ending on an array gives a sequence (a singleton one collapses): JSONata's.
    return Array.isArray(value) ? NOT_DIRECT : value;
  };
}

function compileBinary(node: Node): DirectEvaluator | null {
  const op = node.value;
  if (typeof op !== 'string' || !(ARITHMETIC.has(op) || EQUALITY.has(op))) return null;
  if (!only(node, ['type', 'value', 'position', 'lhs', 'rhs'])) return null;
  const lhs = compileNode(node.lhs as Node);
  const rhs = compileNode(node.rhs as Node);
  if (!lhs || !rhs) return null;
  const position = node.position;
  if (EQUALITY.has(op)) {
    const equal = op === '=';
    return (scope) => {
      const left = lhs(scope);
      if (left === NOT_DIRECT) return NOT_DIRECT;
      const right = rhs(scope);
      if (right === NOT_DIRECT) return NOT_DIRECT;
      if (left === undefined || right === undefined) return false;
      // Objects compare deeply in JSONata: left to it.
      if ((typeof left === 'object' && left !== null) || (typeof right === 'object' && right !== null)) return NOT_DIRECT;
      return (left === right) === equal;
    };
  }
  return (scope) => {
    const left = lhs(scope);
    if (left === NOT_DIRECT) return NOT_DIRECT;
    const right = rhs(scope);
    if (right === NOT_DIRECT) return NOT_DIRECT;
    // JSONata's checks, in its order and with its codes: the left operand, then the right.
    if (left !== undefined && !isNumeric(left, op, position)) throw { code: 'T2001', value: left, position, token: op };
    if (right !== undefined && !isNumeric(right, op, position)) throw { code: 'T2002', value: right, position, token: op };
    if (left === undefined || right === undefined) return undefined;
    const a = left as number;
    const b = right as number;
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
      default:
        return a % b;
    }
  };
}

/** A number JSONata computes with; an infinite one is its error D1001. */
function isNumeric(value: unknown, op: string, position: number | undefined): boolean {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  if (!Number.isFinite(value)) throw { code: 'D1001', value, position, token: op };
  return true;
}
