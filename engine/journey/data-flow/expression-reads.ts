/**
 * What a `{% %}` expression reads from the session, found in JSONata's own syntax tree (never by
 * matching text): root variables (`loginData.username` reads `loginData`, property `username`),
 * `$user`, and the variables an `$exists(...)` tests. A read inside `$exists(...)` is a test, not
 * a use, so it is not listed as a read. Names evaluated against something other than the session's
 * variables (after a `.`, inside a predicate `[...]`, inside a lambda) are not reads of variables.
 */
import jsonata from 'jsonata';

/** `$user` in the analysis; never a variable name (names cannot start with `$`). */
export const USER = '$user';

export interface ExpressionRead {
  /** A root variable name, or `$user`. */
  variable: string;
  /** The property read right after it (`v.p`), when it is a plain name. */
  property?: string;
}

export interface ExpressionFacts {
  reads: ExpressionRead[];
  /**
   * Variables (or `$user`) the expression is true only when set: a top-level `$exists(v…)`,
   * alone or joined by `and`. `$exists($auth…)` implies `$user`.
   */
  guarantees: string[];
}

type Node = Record<string, unknown> & { type?: string; value?: unknown };

const factsBySource = new Map<string, ExpressionFacts | null>();
const CACHE_LIMIT = 10_000;
const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** The reads and guarantees of one `{% %}` string (cached by source); null when it does not parse. */
export function expressionFacts(source: string): ExpressionFacts | null {
  let facts = factsBySource.get(source);
  if (facts !== undefined) return facts;
  try {
    const ast = jsonata(EXPRESSION.exec(source)?.[1] ?? source).ast() as unknown as Node;
    const reads: ExpressionRead[] = [];
    walk(ast, true, reads);
    const rebindsUser = bindsUser(ast);
    facts = {
      reads: rebindsUser ? reads.filter((r) => r.variable !== USER) : reads,
      guarantees: rebindsUser ? [] : guaranteesOf(ast),
    };
  } catch {
    facts = null;
  }
  if (factsBySource.size >= CACHE_LIMIT) factsBySource.delete(factsBySource.keys().next().value!);
  factsBySource.set(source, facts);
  return facts;
}

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const nameOf = (node: unknown): string | undefined => (isNode(node) && node.type === 'name' && typeof node.value === 'string' ? node.value : undefined);

/** Keys of a node evaluated against each item of what precedes them, not against the root. */
const RELATIVE_KEYS = new Set(['stages', 'predicate', 'group']);

function walk(node: unknown, atRoot: boolean, reads: ExpressionRead[]): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, atRoot, reads);
    return;
  }
  if (!isNode(node)) return;
  switch (node.type) {
    case 'path': {
      const steps = Array.isArray(node.steps) ? (node.steps as Node[]) : [];
      const [first, second, third] = steps;
      if (atRoot && first) {
        const name = nameOf(first);
        if (name !== undefined) {
          reads.push(read(name, second));
        } else if (first.type === 'variable' && (first.value === '' || first.value === '$') && nameOf(second) !== undefined) {
          // `$.v.p` and `$$.v.p` read `v` from the root as well.
          reads.push(read(nameOf(second)!, third));
        } else if (first.type === 'variable' && first.value === 'user') {
          reads.push(read(USER, second));
        }
      }
      steps.forEach((step, index) => {
        // The first step is evaluated against the root (its predicates against its own items).
        if (index === 0 && nameOf(step) === undefined && !(step.type === 'variable')) walk(step, atRoot, reads);
        else walkChildren(step, false, reads);
      });
      return;
    }
    case 'name':
      if (atRoot && typeof node.value === 'string') reads.push({ variable: node.value });
      walkChildren(node, false, reads);
      return;
    case 'variable':
      if (node.value === 'user') reads.push({ variable: USER });
      walkChildren(node, false, reads);
      return;
    case 'function':
    case 'partial':
      // A read inside `$exists(...)` tests whether the value is there: not reported.
      if (isNode(node.procedure) && node.procedure.type === 'variable' && node.procedure.value === 'exists') {
        walkChildren({ ...node, arguments: [] }, atRoot, reads);
        return;
      }
      walkChildren(node, atRoot, reads);
      return;
    case 'lambda':
      // A lambda's body runs against whatever it is applied to, not necessarily the root.
      walk(node.body, false, reads);
      return;
    default:
      walkChildren(node, atRoot, reads);
  }
}

function walkChildren(node: Node, atRoot: boolean, reads: ExpressionRead[]): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value !== 'object' || value === null) continue;
    walk(value, RELATIVE_KEYS.has(key) ? false : atRoot, reads);
  }
}

function read(variable: string, next: Node | undefined): ExpressionRead {
  const property = nameOf(next);
  return property !== undefined && !next?.stages && !next?.predicate ? { variable, property } : { variable };
}

/** `$user := …` anywhere: then `$user` is the expression's own, not the session's. */
function bindsUser(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(bindsUser);
  if (!isNode(node)) return false;
  if (node.type === 'bind' && isNode(node.lhs) && node.lhs.value === 'user') return true;
  if (node.type === 'lambda' && Array.isArray(node.arguments) && node.arguments.some((a) => isNode(a) && a.value === 'user')) return true;
  return Object.values(node).some((value) => typeof value === 'object' && value !== null && bindsUser(value));
}

function guaranteesOf(node: Node): string[] {
  if (node.type === 'binary' && node.value === 'and' && isNode(node.lhs) && isNode(node.rhs)) {
    return [...guaranteesOf(node.lhs), ...guaranteesOf(node.rhs)];
  }
  if (node.type !== 'function' || !isNode(node.procedure) || node.procedure.value !== 'exists') return [];
  const argument = Array.isArray(node.arguments) ? (node.arguments[0] as Node | undefined) : undefined;
  if (!isNode(argument)) return [];
  const first = argument.type === 'path' && Array.isArray(argument.steps) ? (argument.steps[0] as Node) : argument;
  const name = nameOf(first);
  if (name !== undefined) return [name];
  // `$user` is null (which `$exists` counts as existing) while unset: only a property of it proves a user.
  const hasProperty = argument.type === 'path' && Array.isArray(argument.steps) && argument.steps.length > 1;
  if (hasProperty && first.type === 'variable' && (first.value === 'user' || first.value === 'auth')) return [USER];
  return [];
}
