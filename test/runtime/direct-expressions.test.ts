/**
 * The direct evaluation of simple expressions (engine/runtime/direct-expressions.ts) must give
 * exactly JSONata's result, or JSONata's error code, or step aside (NOT_DIRECT) so that JSONata
 * answers. Each case is evaluated by jsonata itself with the same bindings and compared.
 */
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { NOT_DIRECT, directEvaluator, type DirectScope } from '../../engine/runtime/direct-expressions.js';
import { compileExpression } from '../../engine/runtime/expressions.js';

type Answer = { value: unknown } | { error: string };

const SCOPES: DirectScope[] = [
  {
    variables: {
      a: 1,
      b: { c: 2, d: { e: 'deep' }, n: null, z: 0, s: '', list: [1, 2] },
      s: 'text',
      t: true,
      f: false,
      n: null,
      neg: -3.5,
      big: 1e308,
      list: [5],
      lists: [1, 2, 3],
      objs: [{ x: 1 }, { x: 2 }],
      nested: [[1], [2, 3]],
      empty: [],
      obj: { x: 1, y: [1, 2] },
      v0: 0,
      v1: 1,
      'with space': 'spaced',
    },
    input: { email: 'ada@example.org', n: 7, arr: [1], o: { k: 'v' } },
    user: { id: 'u1', username: 'ada' },
    auth: { method: 'totp', factors: ['totp'] },
  },
  { variables: {}, input: [1, 2], user: null, auth: null },
  { variables: { a: '1', b: [{ c: 1 }] }, input: 5, user: null },
  { variables: { a: { b: { c: { d: 4 } } } }, input: null, user: { id: 'u2' }, auth: undefined },
];

const CORPUS = [
  // literals
  '1', '-5', '1.5e3', '0', '"text"', "'single'", '"esc\\n\\u0041"', 'true', 'false', 'null',
  // paths (present, missing, through null, primitives and arrays)
  'a', 'b', 'b.c', 'b.d.e', 'b.n', 'b.n.x', 'b.z', 'b.s', 'missing', 'missing.deeper', 's.length', 'a.b',
  'list', 'lists', 'objs', 'objs.x', 'nested', 'empty', 'b.list', 'obj', 'obj.y', '`with space`', 'a.b.c.d',
  'toString', 'constructor.name', 'hasOwnProperty', 'b.valueOf',
  // bindings
  '$', '$.a', '$$', '$$.b.c', '$input', '$input.email', '$input.n', '$input.arr', '$input.o.k', '$input.missing',
  '$user', '$user.id', '$user.username', '$user.missing', '$auth', '$auth.method', '$auth.factors', '$nothing', '$nothing.x',
  // arithmetic: numbers, missing operands, strings, booleans, null, arrays, objects, infinity
  '1 + 2', '0 + a', '1 + v0', '19 + v1', 'a - 1', 'a * 3', 'a / 4', 'a % 2', '7 % -3', 'neg * 2', 'a / 0', '0 / 0',
  'a + missing', 'missing + a', 'missing - missing', 's + 1', '1 + s', 't + 1', '1 + n', 'n + missing', 'missing + s',
  'list + 1', 'lists + 1', '1 + obj', 'big * 10', 'big * 10 + 1', '1 + big * 10', '$input.n * 2', '$input + 1', '$user.id + 1',
  '1 + 2 * 3 - a', '(1 + 2)', 'a + b.c + b.z',
  // equality
  'a = 1', 'a != 1', 'a = "1"', 's = "text"', 'missing = missing', 'missing != 1', 'n = null', 'b.n = null', 't = true',
  'obj = obj', 'list = 5', 'lists = lists', '$input.email = "ada@example.org"', '$auth.method != "sms"', '1 = 1.0',
  // shapes left to JSONata
  'a[0]', 'lists[0]', 'a[]', 'lists.$string()', '$string(a)', 'a & "x"', 'a > 0', 'a and t', '-a', 'a ? 1 : 2', '{"k": a}',
  '[a]', 'b.*', 'b.**', '$now()', 'a.$b', 'lists#$i', 'lists^(<$)', 'lists{"x": $}', '$input.o.k = "v"',
];

async function byJsonata(source: string, scope: DirectScope): Promise<Answer> {
  try {
    return { value: await jsonata(source).evaluate(scope.variables, { input: scope.input, user: scope.user, auth: scope.auth ?? null }) };
  } catch (error) {
    return { error: (error as { code: string }).code };
  }
}

function directly(source: string, scope: DirectScope): Answer | typeof NOT_DIRECT | null {
  const evaluator = directEvaluator(jsonata(source).ast());
  if (!evaluator) return null;
  try {
    const value = evaluator(scope);
    return value === NOT_DIRECT ? NOT_DIRECT : { value };
  } catch (error) {
    return { error: (error as { code: string }).code };
  }
}

/** Deterministic random source (a 32-bit LCG), so a failing case can be reproduced. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomExpression(next: () => number, depth: number): string {
  const leaves = ['a', 'b.c', 'b.d.e', 'b.n', 'missing', 's', 'n', 't', 'list', 'lists', 'obj', 'v0', 'neg', 'big', '$input.n', '$input.email', '$user.id', '$auth.method', '$', '2', '0', '-1.5', '"1"', 'null', 'true'];
  if (depth === 0 || next() < 0.3) return leaves[Math.floor(next() * leaves.length)];
  const ops = ['+', '-', '*', '/', '%', '=', '!='];
  const op = ops[Math.floor(next() * ops.length)];
  return `(${randomExpression(next, depth - 1)} ${op} ${randomExpression(next, depth - 1)})`;
}

describe('direct evaluation of simple expressions', () => {
  it('gives exactly JSONata’s value or error code on the corpus, or leaves the case to JSONata', async () => {
    let answeredDirectly = 0;
    for (const source of CORPUS) {
      for (const scope of SCOPES) {
        const expected = await byJsonata(source, scope);
        const direct = directly(source, scope);
        if (direct === null || direct === NOT_DIRECT) continue;
        answeredDirectly++;
        expect({ source, scope: SCOPES.indexOf(scope), answer: direct }).toStrictEqual({ source, scope: SCOPES.indexOf(scope), answer: expected });
      }
    }
    // Most of the corpus is of the shapes read directly; the comparison must have happened.
    expect(answeredDirectly).toBeGreaterThan(300);
  });

  it('agrees with JSONata on 2,000 random expressions of the shapes it handles', async () => {
    const next = random(24);
    let answeredDirectly = 0;
    for (let i = 0; i < 2000; i++) {
      const source = randomExpression(next, 3);
      const scope = SCOPES[i % SCOPES.length];
      const direct = directly(source, scope);
      expect(direct, source).not.toBeNull();
      if (direct === NOT_DIRECT) continue;
      answeredDirectly++;
      expect({ source, answer: direct }).toStrictEqual({ source, answer: await byJsonata(source, scope) });
    }
    expect(answeredDirectly).toBeGreaterThan(1000);
  });

  it('handles literals, paths, bindings, arithmetic and equality, and no other shape', () => {
    for (const source of ['1', '"x"', 'null', 'a.b', '$input.email', '$user', '$', '$$.a', 'a + 1', '1 + v0 * 2', 'a = "x"', 'a != b', '(a)', '((1 + a))']) {
      expect(directEvaluator(jsonata(source).ast()), source).not.toBeNull();
    }
    for (const source of ['a[0]', 'a[]', 'a & "x"', 'a > 1', 'a and b', '-a', '$now()', '$string(a)', 'a.$b', '$other', '{"k": 1}', '[1]', 'b.*', 'a ? 1 : 2', '(a; b)', '($x := 1; $x)']) {
      expect(directEvaluator(jsonata(source).ast()), source).toBeNull();
    }
  });

  it('leaves arrays on a path and objects under `=` to JSONata, whose result the expression still gives', async () => {
    const scope = { variables: { list: [5], lists: [1, 2], objs: [{ x: 1 }, { x: 2 }], obj: { x: 1 } }, input: {}, user: null, tokens: [], now: new Date() };
    expect(directly('list', scope)).toBe(NOT_DIRECT);
    expect(directly('objs.x', scope)).toBe(NOT_DIRECT);
    expect(directly('obj = obj', scope)).toBe(NOT_DIRECT);
    // JSONata keeps a path's array as it is here, but maps a path over an array (and flattens).
    await expect(compileExpression('{% list %}').evaluate(scope)).resolves.toEqual([5]);
    await expect(compileExpression('{% objs.x %}').evaluate(scope)).resolves.toEqual([1, 2]);
    await expect(compileExpression('{% obj = obj %}').evaluate(scope)).resolves.toBe(true);
  });

  it('refuses a direct read once the run’s budget is spent, as JSONata’s meter does', async () => {
    const budget = { usedMs: 5, ioMs: 0, limitMs: 1, exhausted: true };
    const scope = { variables: { a: 1 }, input: {}, user: null, tokens: [], now: new Date(), budget: budget as never };
    await expect(compileExpression('{% a %}').evaluate(scope)).rejects.toMatchObject({ code: 'budget_exceeded', value: 1 });
    await expect(compileExpression('{% $string(a) %}').evaluate(scope)).rejects.toMatchObject({ code: 'budget_exceeded', value: 1 });
  });
});
