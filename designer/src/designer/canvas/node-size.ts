/**
 * A step node's size, fixed by the stylesheet (StepNode.css, "fixed geometry"): React Flow gets
 * each node's size and handle positions up front, so 500 steps render, edges included, in one pass
 * instead of waiting for every node to be measured. A node the browser measures differently
 * (other fonts, a zoomed page) is measured again by React Flow as usual. Pure (no React, no CSS):
 * the sample layout script (scripts/layout-samples.ts) sizes nodes with it too.
 */
export const NODE_GEOMETRY = { width: 220, border: 1, head: 52, branchesPadding: 4, row: 22, sourceHandle: 10, targetHandle: 12, targetCenter: 27 } as const;

/** One more line of the name adds this much to the head. */
export const TITLE_LINE = 18;

/**
 * How many lines a step's name takes: names wrap (up to three lines) rather than being cut off.
 * An estimate from the name's length (about 22 characters of 13px semibold per line): the same
 * estimate sets the node's class (sn-lines-N) so the stylesheet and the geometry agree.
 */
export function titleLines(label: string): 1 | 2 | 3 {
  return label.length <= 22 ? 1 : label.length <= 44 ? 2 : 3;
}

/** The node's height with `rows` branch handles and this name. */
export function nodeHeight(rows: number, label: string): number {
  const g = NODE_GEOMETRY;
  const head = g.head + TITLE_LINE * (titleLines(label) - 1);
  return g.border + head + (rows ? 1 + g.branchesPadding * 2 + g.row * rows : 0) + g.border;
}
