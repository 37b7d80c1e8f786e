/**
 * The canvas: React Flow driven by the journey document. Nodes and edges are derived from the
 * document (node objects are cached so unchanged steps keep their identity and do not re-render);
 * moves, connections, deletions and drops from the palette become document edits.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
  type OnSelectionChangeParams,
} from '@xyflow/react';
import { forwardRef, startTransition, useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import './Canvas.css';
import type { StepCatalogueEntry as CatalogueEntry } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc, Position } from '../../../../engine/http/contract/journey-document.js';
import { categoryHex } from '../categories.js';
import { branchHandles, connect, deleteSteps, disconnect, setPositions } from '../model/journey-ops.js';
import { routedLayout } from './layout-journey.js';
import { edgeTypes } from './StepEdge.js';
import { openingView } from './opening-view.js';
import { EdgeMarkers, type ArrowId } from './EdgeMarkers.js';
import { whenIdle } from '../idle.js';
import { nodeGeometry, nodeTypes, type StepNodeData, type StepNodeType } from './StepNode.js';
import { callOf } from '../calls/CallBadge.js';
import { useTrustedGeometry } from './trust-geometry.js';
import { useFarZoomClass } from './far-zoom.js';
import type { FunnelOverlay } from '../analytics/funnel-overlay.js';
import type { ReviewOverlay } from '../review/review-overlay.js';

export const PALETTE_MIME = 'application/x-journey-step';

/**
 * Past this many steps the canvas opens on the start of the journey at a readable zoom and renders
 * only what is in view (React Flow's onlyRenderVisibleElements): a 500-step journey opens as fast
 * as a 20-step one. Fit view (the control, or zooming out) still shows everything; the minimap
 * always does.
 */
export const LARGE_JOURNEY = 150;

interface InitialView {
  virtualize: boolean;
  /** For a large journey: the viewport on its start, computed up front (no first frame elsewhere). */
  viewport?: { x: number; y: number; zoom: number };
}

function initialView(doc: JourneyDoc, catalogue: Map<string, CatalogueEntry>): InitialView {
  const ids = Object.keys(doc.steps);
  if (ids.length <= LARGE_JOURNEY || !doc.steps[doc.start]) return { virtualize: false };
  // The start step at the left, vertically centred, at a readable zoom: the journey reads on from it.
  const start = doc.layout?.[doc.start] ?? { x: 0, y: 0 };
  const size = nodeGeometry(branchHandles(doc.steps[doc.start], catalogue.get(doc.steps[doc.start].type)), doc.steps[doc.start].name || doc.start);
  // The canvas is the window less the bars and side panels (the layout's fixed sizes).
  const height = Math.max(240, window.innerHeight - 56 - 36);
  const zoom = 0.75;
  return { virtualize: true, viewport: { x: 72 - start.x * zoom, y: height / 2 - (start.y + size.height / 2) * zoom, zoom } };
}

/** The minimap's size and its distance from the canvas corner (React Flow's panel margin). */
const MINIMAP = { width: 200, height: 150, margin: 15 } as const;

/** Fit view shows every step, none under the minimap: the band it sits in is kept clear. */
const FIT_VIEW = { maxZoom: 1, padding: { top: '32px', left: '32px', right: '32px', bottom: `${MINIMAP.height + MINIMAP.margin + 12}px` } } as const;

/** Module scope: a new function per render would re-render every shape in the minimap. */
const minimapColour = (node: StepNodeType) => categoryHex(node.data.category);

export interface StepIssues {
  severity: 'error' | 'warning';
  count: number;
}

export interface RunHighlight {
  visited: Set<string>;
  current: string | null;
  edges: Set<string>;
}

export interface CanvasProps {
  doc: JourneyDoc;
  catalogue: Map<string, CatalogueEntry>;
  selectedNodes: Set<string>;
  selectedEdges: Set<string>;
  issues: Map<string, StepIssues>;
  run: RunHighlight | null;
  /** The analytics overlay (counts on edges, rates and a colour on steps); null: none. */
  funnel?: FunnelOverlay | null;
  /** "Review changes" marks (steps and edges added or changed); null: none. */
  review?: ReviewOverlay | null;
  readOnly: boolean;
  apply: (update: (doc: JourneyDoc) => JourneyDoc, group?: string) => void;
  transient: (update: (doc: JourneyDoc) => JourneyDoc) => void;
  checkpoint: () => void;
  select: (change: SelectionChange) => void;
  addStep: (type: string, position: Position) => void;
  onReady?: () => void;
}

export interface SelectionChange {
  nodes?: (previous: Set<string>) => Set<string>;
  edges?: (previous: Set<string>) => Set<string>;
}

export interface CanvasHandle {
  layout(): Promise<void>;
  focusStep(id: string): void;
  center(): Position;
  fit(): void;
}

export const edgeId = (source: string, branch: string) => `${source}\u2192${branch}`;
export function parseEdgeId(id: string): { source: string; branch: string } {
  const at = id.indexOf('\u2192');
  return { source: id.slice(0, at), branch: id.slice(at + 1) };
}

function applySelection(previous: Set<string>, changes: Array<{ id: string; selected: boolean }>): Set<string> {
  const next = new Set(previous);
  for (const { id, selected } of changes) {
    if (selected) next.add(id);
    else next.delete(id);
  }
  if (next.size === previous.size && [...next].every((id) => previous.has(id))) return previous;
  return next;
}

interface CachedNode {
  node: StepNodeType;
  key: string;
  dataKey: string;
}

export const Canvas = forwardRef<CanvasHandle, CanvasProps>(function Canvas(props, ref) {
  const { doc, catalogue, selectedNodes, selectedEdges, issues, run, readOnly } = props;
  const funnel = props.funnel ?? null;
  const review = props.review ?? null;
  const flow = useReactFlow<StepNodeType, Edge>();
  useTrustedGeometry();
  const canvasElement = useRef<HTMLDivElement>(null);
  useFarZoomClass(canvasElement);
  const cache = useRef(new Map<string, CachedNode>());
  const measured = useRef(new Map<string, { width: number; height: number }>());
  const expected = useRef(new Map<string, { width: number; height: number }>());
  const propsRef = useRef(props);
  propsRef.current = props;
  const [view] = useState(() => initialView(doc, catalogue));
  const dragging = useRef(false);
  // On a large journey the minimap (one shape per step) comes once the canvas has been painted.
  const [minimap, setMinimap] = useState(!view.virtualize);
  useEffect(() => {
    if (minimap) return;
    // Past the first view's settling (its nodes measured, its edges drawn), not in the middle of it.
    // A transition: its 500 shapes render in slices, so a click on the canvas (fit view, a step)
    // meanwhile is handled at once rather than after the whole minimap has been built.
    return whenIdle(() => startTransition(() => setMinimap(true)), 1000, 300);
  }, [minimap]);
  const onDragStart = useCallback(() => {
    dragging.current = true;
    propsRef.current.checkpoint();
  }, []);
  const onDragStop = useCallback(() => {
    dragging.current = false;
  }, []);

  // React Flow reads each node's `measured` size from the node objects it is given (the minimap,
  // useNodesInitialized): measurements are kept here and handed back with the nodes.
  const [measuredTick, setMeasuredTick] = useState(0);

  // Edge routes from auto-layout, used while every step is where that layout put it (RoutedEdge.tsx).
  const [routing, setRouting] = useState<{ positions: Record<string, Position>; routes: Record<string, Position[]> } | null>(null);
  const routes = useMemo(() => {
    if (!routing) return null;
    const layout = doc.layout ?? {};
    const ids = Object.keys(doc.steps);
    const same = ids.length === Object.keys(routing.positions).length && ids.every((id) => layout[id] && routing.positions[id] && layout[id].x === routing.positions[id].x && layout[id].y === routing.positions[id].y);
    return same ? routing.routes : null;
  }, [routing, doc.layout, doc.steps]);
  useEffect(() => {
    // A journey opened as auto-layout places it (the samples) gets its routes once the canvas is idle.
    if (view.virtualize) return;
    return whenIdle(() => {
      const { doc: current, catalogue: types } = propsRef.current;
      routedLayout(current, types).then(setRouting, () => undefined);
    }, 1500, 400);
  }, [view.virtualize]);

  const nodes = useMemo(() => {
    const next: StepNodeType[] = [];
    const seen = new Set<string>();
    for (const [id, step] of Object.entries(doc.steps)) {
      seen.add(id);
      const entry = catalogue.get(step.type);
      const position = doc.layout?.[id] ?? { x: 0, y: 0 };
      const handles = branchHandles(step, entry);
      const handleKey = handles.map((h) => `${h.kind}:${h.name}`).join('|');
      const wired = Object.keys(step.branches ?? {}).filter((b) => step.branches![b] && doc.steps[step.branches![b]]).join('\u0000');
      const issue = issues.get(id);
      const runState = run ? (run.current === id ? 'current' : run.visited.has(id) ? 'visited' : null) : null;
      const selected = selectedNodes.has(id);
      const isStart = doc.start === id;
      const label = step.name || id;
      const stats = funnel ? (funnel.steps.get(id) ?? { entered: 0, dropOff: 0, failure: 0, heat: 0 }) : null;
      const statsKey = stats ? `${stats.entered}:${stats.dropOff}:${stats.failure}:${stats.heat}` : '';
      const reviewMark = review?.steps.get(id) ?? null;
      const call = callOf(step as { type: string; config?: Record<string, unknown> });
      const dataKey = [label, step.type, handleKey, wired, issue?.severity, issue?.count, runState, isStart, !!entry, statsKey, reviewMark, call ? `${call.journeyId}@${call.version}` : ''].join('\u0001');
      const size = measured.current.get(id);
      const geometry = nodeGeometry(handles, label);
      expected.current.set(id, geometry);
      const nodeKey = [dataKey, position.x, position.y, selected, readOnly, size?.width, size?.height].join('\u0001');
      const hit = cache.current.get(id);
      if (hit && hit.key === nodeKey) {
        next.push(hit.node);
        continue;
      }
      const data: StepNodeData =
        hit && hit.dataKey === dataKey
          ? hit.node.data
          : {
              stepId: id,
              label,
              typeTitle: entry?.title ?? `${step.type} (unknown type)`,
              type: step.type,
              category: entry?.category ?? 'other',
              known: !!entry,
              isStart,
              terminal: entry?.terminal ?? false,
              interactive: entry?.interactive ?? false,
              handles,
              handleKey,
              wired,
              severity: issue?.severity ?? null,
              issues: issue?.count ?? 0,
              run: runState,
              stats,
              review: reviewMark,
              call,
            };
      const node: StepNodeType = {
        id,
        type: 'step',
        position,
        data,
        selected,
        draggable: !readOnly,
        connectable: !readOnly,
        deletable: !readOnly,
        // The browser's measurement when it differed from the stylesheet's geometry, else the geometry.
        ...(size ? { measured: size } : { measured: { width: geometry.width, height: geometry.height }, handles: geometry.handles }),
      };
      cache.current.set(id, { node, key: nodeKey, dataKey });
      next.push(node);
    }
    for (const id of cache.current.keys()) {
      if (seen.has(id)) continue;
      cache.current.delete(id);
      expected.current.delete(id);
      measured.current.delete(id);
    }
    return next;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc.steps, doc.layout, doc.start, catalogue, issues, run, funnel, review, selectedNodes, readOnly, measuredTick]);

  const edges = useMemo(() => {
    const list: Edge[] = [];
    for (const [source, step] of Object.entries(doc.steps)) {
      for (const [branch, target] of Object.entries(step.branches ?? {})) {
        if (!doc.steps[target]) continue;
        const id = edgeId(source, branch);
        const failure = branch === 'failure';
        const onPath = run?.edges.has(id) ?? false;
        const marker: ArrowId = onPath ? 'je-arrow-run' : failure ? 'je-arrow-failure' : 'je-arrow';
        const taken = funnel ? (funnel.edges.get(id) ?? 0) : null;
        const reviewMark = review?.edges.get(id);
        const route = routes?.[id];
        list.push({
          ...(route && route.length >= 2 ? { type: 'routed', data: { bends: route } } : {}),
          ...(taken !== null ? { label: taken.toLocaleString('en'), labelBgPadding: [4, 2] as [number, number], labelBgBorderRadius: 4, labelClassName: 'je-edge-count' } : {}),
          id,
          source,
          target,
          sourceHandle: branch,
          targetHandle: 'in',
          selected: selectedEdges.has(id),
          deletable: !readOnly,
          className: `je-edge${failure ? ' je-edge-failure' : ''}${onPath ? ' je-edge-run' : ''}${taken === 0 ? ' je-edge-unused' : ''}${reviewMark ? ` je-edge-review-${reviewMark}` : ''}`,
          markerEnd: marker,
          interactionWidth: 18,
        });
      }
    }
    return list;
  }, [doc.steps, selectedEdges, run, funnel, review, readOnly, routes]);

  const onNodesChange = useCallback((changes: NodeChange<StepNodeType>[]) => {
    const positions: Record<string, Position> = {};
    let moved = false;
    const selections: Array<{ id: string; selected: boolean }> = [];
    let resized = false;
    for (const change of changes) {
      if (change.type === 'dimensions' && change.dimensions) {
        // React Flow measures every node once: nothing to do when the browser agrees with the geometry.
        const { width, height } = change.dimensions;
        const known = measured.current.get(change.id) ?? expected.current.get(change.id);
        if (!known || known.width !== width || known.height !== height) {
          measured.current.set(change.id, change.dimensions);
          resized = true;
        }
      } else if (change.type === 'position' && change.position) {
        positions[change.id] = change.position;
        moved = true;
      } else if (change.type === 'select') {
        selections.push({ id: change.id, selected: change.selected });
      }
    }
    if (resized) setMeasuredTick((t) => t + 1);
    if (moved && !propsRef.current.readOnly) {
      // A mouse drag is one undo step (checkpoint at its start); arrow-key moves coalesce into one.
      if (dragging.current) propsRef.current.transient((d) => setPositions(d, positions));
      else propsRef.current.apply((d) => setPositions(d, positions), 'keyboard-move');
    }
    if (selections.length) propsRef.current.select({ nodes: (previous) => applySelection(previous, selections) });
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange<Edge>[]) => {
    const selections: Array<{ id: string; selected: boolean }> = [];
    for (const change of changes) {
      if (change.type === 'select') selections.push({ id: change.id, selected: change.selected });
    }
    if (selections.length) propsRef.current.select({ edges: (previous) => applySelection(previous, selections) });
  }, []);

  const onDelete = useCallback(({ nodes: gone, edges: cut }: { nodes: StepNodeType[]; edges: Edge[] }) => {
    if (propsRef.current.readOnly) return;
    const ids = new Set(gone.map((n) => n.id));
    propsRef.current.apply((d) => deleteSteps(disconnect(d, cut.map((e) => parseEdgeId(e.id)).filter((w) => !ids.has(w.source))), ids));
    propsRef.current.select({ nodes: () => new Set(), edges: () => new Set() });
  }, []);

  const onConnect = useCallback((connection: Connection) => {
    if (propsRef.current.readOnly || !connection.sourceHandle) return;
    const { source, sourceHandle, target } = connection;
    propsRef.current.apply((d) => connect(d, source, sourceHandle!, target));
  }, []);

  const onDragOver = useCallback((event: React.DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: React.DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      if (!type || propsRef.current.readOnly) return;
      event.preventDefault();
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      propsRef.current.addStep(type, { x: at.x - 110, y: at.y - 30 });
    },
    [flow],
  );

  const onSelectionChange = useCallback((_: OnSelectionChangeParams) => {}, []);

  // The opening view (canvas/opening-view.ts): readable, no node cut off or under the minimap.
  const showReadable = useCallback(
    (duration?: number) => {
      const rect = canvasElement.current?.getBoundingClientRect();
      if (!rect || rect.width === 0) return;
      const { doc: current, catalogue: types } = propsRef.current;
      const boxes = Object.entries(current.steps).map(([id, step]) => {
        const at = current.layout?.[id] ?? { x: 0, y: 0 };
        const size = nodeGeometry(branchHandles(step, types.get(step.type)), step.name || id);
        // The Start badge sits 11px above the card: it counts as part of the node.
        const badge = id === current.start ? 11 : 0;
        return { id, x: at.x, y: at.y - badge, width: size.width, height: size.height + badge };
      });
      const minimapBox = { x: rect.width - MINIMAP.margin - MINIMAP.width, y: rect.height - MINIMAP.margin - MINIMAP.height, width: MINIMAP.width, height: MINIMAP.height };
      void flow.setViewport(openingView(boxes, current.start, { width: rect.width, height: rect.height }, minimapBox), duration ? { duration } : undefined);
    },
    [flow],
  );
  const onInit = useCallback(() => {
    if (!view.viewport) showReadable();
    propsRef.current.onReady?.();
  }, [showReadable, view.viewport]);

  useImperativeHandle(
    ref,
    () => ({
      async layout() {
        const { doc: current, catalogue: types } = propsRef.current;
        const routed = await routedLayout(current, types, (id) => flow.getInternalNode(id)?.measured ?? measured.current.get(id));
        const positions = routed.positions;
        setRouting(routed);
        propsRef.current.apply((d) => setPositions(d, positions));
        requestAnimationFrame(() => showReadable(250));
      },
      focusStep(id) {
        const node = flow.getInternalNode(id);
        if (!node) return;
        const w = node.measured.width ?? 220;
        const h = node.measured.height ?? 90;
        const zoom = Math.max(flow.getZoom(), 0.8);
        void flow.setCenter(node.internals.positionAbsolute.x + w / 2, node.internals.positionAbsolute.y + h / 2, { zoom, duration: 250 });
      },
      center() {
        const el = document.querySelector('.je-canvas');
        const rect = el?.getBoundingClientRect();
        if (!rect) return { x: 0, y: 0 };
        return flow.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 });
      },
      fit() {
        void flow.fitView(FIT_VIEW);
      },
    }),
    [flow, showReadable],
  );

  return (
    <div ref={canvasElement} className="je-canvas" onDragOver={onDragOver} onDrop={onDrop} data-routes={routes ? 'on' : 'off'}>
      <EdgeMarkers />
      <ReactFlow<StepNodeType, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStart={onDragStart}
        onSelectionDragStart={onDragStart}
        onNodeDragStop={onDragStop}
        onSelectionDragStop={onDragStop}
        onConnect={onConnect}
        onDelete={onDelete}
        onSelectionChange={onSelectionChange}
        onInit={onInit}
        deleteKeyCode={readOnly ? null : ['Delete', 'Backspace']}
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        selectionKeyCode="Shift"
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        elementsSelectable
        fitViewOptions={FIT_VIEW}
        defaultViewport={view.viewport}
        onlyRenderVisibleElements={view.virtualize}
        minZoom={0.1}
        maxZoom={2}
        connectionRadius={28}
        proOptions={{ hideAttribution: true }}
        defaultEdgeOptions={{ type: 'default' }}
        aria-label="Journey canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cdd2da" />
        {minimap && <MiniMap<StepNodeType>
          pannable
          zoomable
          ariaLabel="Overview of the journey"
          style={{ width: MINIMAP.width, height: MINIMAP.height }}
          nodeColor={minimapColour}
          nodeStrokeWidth={0}
          nodeBorderRadius={6}
          maskColor="rgba(246, 247, 249, 0.72)"
        />}
        <Controls showInteractive={false} position="bottom-left" fitViewOptions={FIT_VIEW} />
      </ReactFlow>
    </div>
  );
});
