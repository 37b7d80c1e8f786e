import { describe, expect, it } from 'vitest';
import { stronglyConnectedComponents } from '../../engine/journey/validate-journey.js';

const N = 10_000;
const sorted = (components: string[][]) => components.map((c) => [...c].sort()).sort((a, b) => a[0].localeCompare(b[0]));

function chain(n: number, closed: boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? [`n${i + 1}`] : closed ? ['n0'] : [];
    graph.set(`n${i}`, next);
  }
  return graph;
}

describe('stronglyConnectedComponents', () => {
  it('a 10,000-node chain gives 10,000 single-node components without overflowing the stack', () => {
    const components = stronglyConnectedComponents(chain(N, false));
    expect(components).toHaveLength(N);
    expect(components.every((c) => c.length === 1)).toBe(true);
    expect(new Set(components.map((c) => c[0])).size).toBe(N);
    // Tarjan emits components in reverse topological order: the chain's tail first.
    expect(components[0]).toEqual([`n${N - 1}`]);
    expect(components[N - 1]).toEqual(['n0']);
  });

  it('a 10,000-node cycle gives one component holding every node', () => {
    const components = stronglyConnectedComponents(chain(N, true));
    expect(components).toHaveLength(1);
    expect(components[0]).toHaveLength(N);
    expect(new Set(components[0]).size).toBe(N);
  });

  it('a 10,000-node chain walked from its tail (reverse insertion order) does not overflow either', () => {
    const forward = chain(N, false);
    const reversed = new Map([...forward.entries()].reverse());
    const components = stronglyConnectedComponents(reversed);
    expect(components).toHaveLength(N);
  });

  it('separates two cycles joined by a one-way edge, and keeps acyclic nodes alone', () => {
    const graph = new Map<string, string[]>([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', ['e']],
      ['e', ['d', 'f']],
      ['f', []],
    ]);
    expect(sorted(stronglyConnectedComponents(graph))).toEqual([['a', 'b', 'c'], ['d', 'e'], ['f']]);
  });

  it('a self-loop is its own component; edges to nodes outside the graph are ignored', () => {
    const graph = new Map<string, string[]>([
      ['a', ['a', 'ghost']],
      ['b', ['ghost']],
    ]);
    const components = sorted(stronglyConnectedComponents(graph));
    expect(components).toEqual([['a'], ['b']]);
  });

  it('every node appears in exactly one component', () => {
    const graph = new Map<string, string[]>();
    // A ladder of small cycles: i <-> i+1 for even i, and i+1 -> i+2.
    for (let i = 0; i < 1000; i++) graph.set(String(i), i % 2 === 0 ? [String(i + 1)] : i + 1 < 1000 ? [String(i - 1), String(i + 1)] : [String(i - 1)]);
    const components = stronglyConnectedComponents(graph);
    expect(components).toHaveLength(500);
    expect(components.flat().sort()).toEqual([...graph.keys()].sort());
    expect(components.every((c) => c.length === 2)).toBe(true);
  });

  it('an empty graph has no components', () => {
    expect(stronglyConnectedComponents(new Map())).toEqual([]);
  });
});
