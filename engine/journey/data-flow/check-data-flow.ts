/**
 * The data-flow checks of the validator: every variable (and `$user`) an expression reads is set
 * on every path from the start to the step reading it (`unset_variable`, `maybe_unset_variable`),
 * and `v.p` names a property some producer of `v` reaching the read can have (`unknown_property`).
 *
 * Two forward analyses over the wired branches, loops included, as bitsets per step: "may be set"
 * (union over incoming branches) and "must be set" (intersection; the greatest fixed point, so a
 * loop does not unset what every path into it set). A branch that may write anything sets every
 * bit. Paths and producers are searched only for the reads that are reported.
 */
import { closest } from 'fastest-levenshtein';
import { collect, compileExpression } from '../../runtime/expressions.js';
import type { JsonSchema, StepDefinition } from '../../steps/step-types.js';
import type { Diagnostic } from '../diagnostics.js';
import { pointer } from '../schema-validator.js';
import { expressionFacts, USER, type ExpressionRead } from './expression-reads.js';
import { branchWrites, closedProperties, type BranchWrites, type VariableWrite } from './step-writes.js';

type AnyRecord = Record<string, unknown>;
const isRecord = (value: unknown): value is AnyRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

interface Edge {
  from: string;
  branch: string;
  to: string;
  writes: BranchWrites;
}

interface Read extends ExpressionRead {
  stepId: string;
  path: string;
}

export function checkDataFlow(
  document: AnyRecord,
  steps: Record<string, unknown>,
  definitions: ReadonlyMap<string, StepDefinition>,
  add: (d: Diagnostic) => void,
  /** Shapes of what steps write that only the store knows, by step id (a call's claims, #20). */
  outputShapes?: ReadonlyMap<string, JsonSchema>,
): void {
  const start = document.start;
  if (typeof start !== 'string' || !isRecord(steps[start])) return;

  // Wired branches with what each writes; reads of every step.
  const outgoing = new Map<string, Edge[]>();
  const incoming = new Map<string, Edge[]>();
  const reads: Read[] = [];
  const reported = new Set<string>();
  for (const [stepId, step] of Object.entries(steps)) {
    if (!isRecord(step)) continue;
    const definition = definitions.get(stepId);
    const config = step.config === undefined ? {} : step.config;
    if (definition && !definition.writes && !reported.has(definition.type)) {
      add({
        severity: 'info',
        code: 'undeclared_outputs',
        message: `step type "${definition.type}" does not declare what it writes, so it is assumed to write any variable; its author can declare \`writes\` (docs/custom-steps.md)`,
        path: `${pointer('steps', stepId)}/type`,
        stepId,
      });
    }
    const edges: Edge[] = [];
    if (isRecord(step.branches)) {
      for (const [branch, target] of Object.entries(step.branches)) {
        if (typeof target !== 'string' || !isRecord(steps[target])) continue;
        // An unknown step type is reported on its own; it may have written anything.
        let writes = definition || branch === 'failure' ? branchWrites(definition, step, config, branch) : 'anything';
        const known = branch === 'failure' ? undefined : outputShapes?.get(stepId);
        const output = isRecord(config) ? config.outputVariable : undefined;
        if (known && writes !== 'anything') writes = writes.map((w) => (w.variable === output ? { variable: w.variable, shape: known } : w));
        const edge = { from: stepId, branch, to: target, writes };
        edges.push(edge);
        if (!incoming.has(target)) incoming.set(target, []);
        incoming.get(target)!.push(edge);
      }
    }
    outgoing.set(stepId, edges);
    collect(config, [], (path, source) => {
      // One that does not compile is reported as expression_syntax.
      try {
        compileExpression(source);
      } catch {
        return;
      }
      const facts = expressionFacts(source);
      for (const read of facts?.reads ?? []) reads.push({ ...read, stepId, path: `${pointer('steps', stepId)}/config${pointer(...path)}` });
    });
  }
  if (!reads.length) return;

  // Variable indexes: `$user` first, then every variable written or read.
  const index = new Map<string, number>([[USER, 0]]);
  const indexOf = (variable: string) => {
    let i = index.get(variable);
    if (i === undefined) index.set(variable, (i = index.size));
    return i;
  };
  for (const read of reads) indexOf(read.variable);
  for (const edges of outgoing.values()) for (const edge of edges) if (edge.writes !== 'anything') for (const w of edge.writes) indexOf(w.variable);
  const words = Math.ceil(index.size / 32);
  // One buffer for every bitset (fewer allocations): an edge's writes, then each step's may and must.
  const allSet = new Uint32Array(words).fill(0xffffffff);
  const gen = new Map<Edge, Uint32Array>();
  let edgeCount = 0;
  for (const edges of outgoing.values()) edgeCount += edges.length;
  const edgeBits = new Uint32Array(Math.max(1, edgeCount * words));
  let offset = 0;
  for (const edges of outgoing.values()) {
    for (const edge of edges) {
      if (edge.writes === 'anything') {
        gen.set(edge, allSet);
        continue;
      }
      const bits = edgeBits.subarray(offset, (offset += words));
      for (const w of edge.writes) setBit(bits, index.get(w.variable)!);
      gen.set(edge, bits);
    }
  }

  // Reachable steps in breadth-first order (the order the fixed point converges fastest in).
  const order: string[] = [start];
  const reachable = new Set(order);
  for (let i = 0; i < order.length; i++) {
    for (const edge of outgoing.get(order[i]) ?? []) {
      if (!reachable.has(edge.to)) {
        reachable.add(edge.to);
        order.push(edge.to);
      }
    }
  }

  // At the start: a journey that is not public is started by an app or admin key, which names its user.
  const initial = new Uint32Array(words);
  if (!(isRecord(document.settings) && document.settings.public === true)) setBit(initial, 0);
  const may = new Map<string, Uint32Array>();
  const must = new Map<string, Uint32Array>();
  const stepBits = new Uint32Array(order.length * 2 * words);
  order.forEach((id, i) => {
    const mayBits = stepBits.subarray(2 * i * words, (2 * i + 1) * words);
    const mustBits = stepBits.subarray((2 * i + 1) * words, (2 * i + 2) * words);
    if (id === start) {
      mayBits.set(initial);
      mustBits.set(initial);
    } else {
      mustBits.fill(0xffffffff);
    }
    may.set(id, mayBits);
    must.set(id, mustBits);
  });
  const scratch = new Uint32Array(words);
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of order) {
      const mayIn = may.get(id)!;
      const mustIn = must.get(id)!;
      for (const edge of incoming.get(id) ?? []) {
        if (!reachable.has(edge.from)) continue;
        const written = gen.get(edge)!;
        const fromMay = may.get(edge.from)!;
        const fromMust = must.get(edge.from)!;
        for (let w = 0; w < words; w++) {
          const unionValue = (mayIn[w] | fromMay[w] | written[w]) >>> 0;
          if (unionValue !== mayIn[w]) {
            mayIn[w] = unionValue;
            changed = true;
          }
          scratch[w] = (fromMust[w] | written[w]) >>> 0;
          const meet = (mustIn[w] & scratch[w]) >>> 0;
          if (meet !== mustIn[w]) {
            mustIn[w] = meet;
            changed = true;
          }
        }
      }
    }
  }

  const seen = new Set<string>();
  const producersCache = new Map<string, VariableWrite[] | null>();
  for (const read of reads) {
    if (!reachable.has(read.stepId)) continue; // reported as unreachable_step
    const bit = index.get(read.variable)!;
    const key = `${read.path}\u0000${read.variable}`;
    const label = read.variable === USER ? '$user' : `variable "${read.variable}"`;
    if (!hasBit(may.get(read.stepId)!, bit)) {
      if (seen.has(key)) continue;
      seen.add(key);
      const suggestion = read.variable === USER ? undefined : closestOther(read.variable, index);
      add({
        severity: 'error',
        code: 'unset_variable',
        message: `${label} is read here, but no path from the start sets it before step "${read.stepId}"${
          read.variable === USER ? ' (no step before it identifies or authenticates a user)' : suggestion ? ` (did you mean "${suggestion}"?)` : ''
        }`,
        path: read.path,
        stepId: read.stepId,
        ...(suggestion ? { suggestion } : {}),
      });
      continue;
    }
    if (!hasBit(must.get(read.stepId)!, bit) && !seen.has(key)) {
      seen.add(key);
      const path = pathWithout(read.variable, start, read.stepId, outgoing, hasBit(initial, bit));
      add({
        severity: 'warning',
        code: 'maybe_unset_variable',
        message: `${label} may be unset here: the path ${path} does not set it`,
        path: read.path,
        stepId: read.stepId,
      });
    }
    if (read.property === undefined || read.variable === USER) continue;
    const propertyKey = `${key}\u0000${read.property}`;
    if (seen.has(propertyKey)) continue;
    seen.add(propertyKey);
    const cacheKey = `${read.stepId}\u0000${read.variable}`;
    let producers = producersCache.get(cacheKey);
    if (producers === undefined) {
      producers = reachingProducers(read.variable, read.stepId, incoming, reachable);
      producersCache.set(cacheKey, producers);
    }
    if (!producers || !producers.length) continue;
    const known = producers.map((p) => closedProperties(p.shape));
    if (known.some((properties) => properties === null || properties.includes(read.property!))) continue;
    const names = [...new Set(known.flat() as string[])];
    const suggestion = names.length ? closest(read.property, names) : undefined;
    add({
      severity: 'warning',
      code: 'unknown_property',
      message: `"${read.variable}" has no property "${read.property}"${suggestion ? `: did you mean "${suggestion}"?` : ' (its producers set no properties)'}`,
      path: read.path,
      stepId: read.stepId,
      ...(suggestion ? { suggestion } : {}),
    });
  }
}

const setBit = (bits: Uint32Array, i: number) => {
  bits[i >>> 5] |= 1 << (i & 31);
};
const hasBit = (bits: Uint32Array, i: number) => (bits[i >>> 5] & (1 << (i & 31))) !== 0;

/** For a variable no path sets: the closest name among the other variables of the journey. */
function closestOther(variable: string, index: Map<string, number>): string | undefined {
  const names = [...index.keys()].filter((name) => name !== USER && name !== variable);
  return names.length ? closest(variable, names) : undefined;
}

const writesVariable = (edge: Edge, variable: string) => edge.writes === 'anything' || edge.writes.some((w) => w.variable === variable);

/** One path from the start to `target` on which no branch sets `variable`, written "a (branch) → b". */
function pathWithout(variable: string, start: string, target: string, outgoing: Map<string, Edge[]>, setAtStart: boolean): string {
  if (setAtStart) return `"${start}"`;
  const parent = new Map<string, Edge | null>([[start, null]]);
  const queue = [start];
  for (let i = 0; i < queue.length && !parent.has(target) ; i++) {
    for (const edge of outgoing.get(queue[i]) ?? []) {
      if (parent.has(edge.to) || writesVariable(edge, variable)) continue;
      parent.set(edge.to, edge);
      queue.push(edge.to);
    }
  }
  // The start itself re-entered by a loop: the shortest non-empty path back to it.
  if (target === start) return `"${start}"`;
  const hops: string[] = [];
  for (let edge = parent.get(target); edge; edge = parent.get(edge.from)) hops.unshift(`"${edge.from}" (${edge.branch})`);
  return [...hops, `"${target}"`].join(' → ');
}

/**
 * The writes of `variable` that reach `stepId`: back along incoming branches until a branch that
 * writes it. Null when one of them may write anything (its shape is unknown) or a path from the
 * start sets nothing (then there is no producer to compare with).
 */
function reachingProducers(variable: string, stepId: string, incoming: Map<string, Edge[]>, reachable: Set<string>): VariableWrite[] | null {
  const producers: VariableWrite[] = [];
  const visited = new Set<string>([stepId]);
  const queue = [stepId];
  for (let i = 0; i < queue.length; i++) {
    for (const edge of incoming.get(queue[i]) ?? []) {
      if (!reachable.has(edge.from)) continue;
      if (edge.writes === 'anything') return null;
      const written = edge.writes.filter((w) => w.variable === variable);
      if (written.length) {
        producers.push(...written);
      } else if (!visited.has(edge.from)) {
        visited.add(edge.from);
        queue.push(edge.from);
      }
    }
  }
  return producers;
}
