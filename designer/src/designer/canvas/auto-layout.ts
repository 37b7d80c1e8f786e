/**
 * Auto-layout with elkjs (layered, left to right). Each node gets one port per handle, in the
 * order the handles are drawn (FIXED_ORDER, clockwise: the branch ports down the east side, the
 * input port on the west), so multi-output steps fan their targets out in branch order.
 * elkjs is loaded on first use, so the designer does not pay for it up front.
 */
import type { Position } from '../../../../engine/http/contract/journey-document.js';

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
  handles: string[];
}

export interface LayoutEdge {
  source: string;
  branch: string;
  target: string;
}

let elkPromise: Promise<{ layout(graph: unknown): Promise<ElkResult> }> | null = null;

interface ElkResult {
  children?: Array<{ id: string; x?: number; y?: number }>;
  edges?: Array<{ id: string; sections?: Array<{ bendPoints?: Array<{ x: number; y: number }> }> }>;
}

/** Where each step goes, and the bends of each edge (by `source→branch`) that keep it off other steps. */
export interface LayoutResult {
  positions: Record<string, Position>;
  routes: Record<string, Position[]>;
}

function elk() {
  elkPromise ??= import('elkjs/lib/elk.bundled.js').then((module) => {
    const ELK = (module as unknown as { default: new () => { layout(graph: unknown): Promise<ElkResult> } }).default;
    return new ELK();
  });
  return elkPromise;
}

export async function autoLayout(nodes: LayoutNode[], edges: LayoutEdge[]): Promise<LayoutResult> {
  const known = new Set(nodes.map((n) => n.id));
  const port = (node: string, handle: string) => `${node}\u0000${handle}`;
  const wired = edges.filter((e) => known.has(e.source) && known.has(e.target));
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '36',
      'elk.spacing.edgeNode': '24',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.crossingMinimization.semiInteractive': 'true',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      // Cycles are broken by the nodes' order (layout-journey.ts: the reading order from the start).
      'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
      'elk.separateConnectedComponents': 'true',
      'elk.spacing.componentComponent': '80',
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: n.width,
      height: n.height,
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
      ports: [
        ...n.handles.map((h, i) => ({ id: port(n.id, h), width: 8, height: 8, layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) } })),
        { id: port(n.id, 'in'), width: 8, height: 8, layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(n.handles.length) } },
      ],
    })),
    edges: wired.map((e, i) => ({
        id: `e${i}`,
        sources: [port(e.source, e.branch)],
        targets: [port(e.target, 'in')],
        layoutOptions: { 'elk.layered.priority.straightness': e.branch === 'failure' ? '0' : '10' },
      })),
  };
  const result = await (await elk()).layout(graph);
  const positions: Record<string, Position> = {};
  for (const child of result.children ?? []) positions[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  const routes: Record<string, Position[]> = {};
  for (const edge of result.edges ?? []) {
    const source = wired[Number(edge.id.slice(1))];
    const bends = edge.sections?.[0]?.bendPoints ?? [];
    if (source) routes[`${source.source}\u2192${source.branch}`] = bends.map((b) => ({ x: Math.round(b.x), y: Math.round(b.y) }));
  }
  return { positions, routes };
}
