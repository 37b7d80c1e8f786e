/**
 * One step on the canvas: name, type and category colour; a target handle on the left; one source
 * handle per branch (id = branch name), derived branches included, then the implicit `failure`.
 * Memoised, and registered in a module-scope nodeTypes map (React Flow re-mounts otherwise).
 */
import { Handle, Position, useUpdateNodeInternals, type Node, type NodeProps } from '@xyflow/react';
import { memo, useEffect } from 'react';
import './StepNode.css';
import type { BranchHandle } from '../model/journey-ops.js';
import { categoryColour } from '../categories.js';
import { percent, type StepFunnel } from '../analytics/funnel-overlay.js';
import { NODE_GEOMETRY, nodeHeight, titleLines } from './node-size.js';
import { CallBadge, useOpenCall, type CallInfo } from '../calls/CallBadge.js';
import { useMinimalZoom } from './far-zoom.js';

export interface StepNodeData extends Record<string, unknown> {
  stepId: string;
  label: string;
  typeTitle: string;
  type: string;
  category: string;
  known: boolean;
  isStart: boolean;
  terminal: boolean;
  interactive: boolean;
  handles: BranchHandle[];
  handleKey: string;
  wired: string;
  severity: 'error' | 'warning' | null;
  issues: number;
  run: 'current' | 'visited' | null;
  /** The analytics overlay's figures for this step; null when the overlay is off. */
  stats?: StepFunnel | null;
  /** "Review changes": added or changed since the version compared; null when not reviewing. */
  review?: 'added' | 'changed' | null;
  /** A `journey.call`: the journey it calls and the version (sub-journeys); absent otherwise. */
  call?: CallInfo | null;
}

export type StepNodeType = Node<StepNodeData, 'step'>;

export function nodeGeometry(handles: BranchHandle[], label = ''): { width: number; height: number; handles: NonNullable<Node['handles']> } {
  const g = NODE_GEOMETRY;
  const branchesTop = nodeHeight(0, label) - g.border;
  const height = nodeHeight(handles.length, label);
  const sourceX = g.width - g.border - g.sourceHandle / 2;
  const list: NonNullable<Node['handles']> = [
    { id: 'in', type: 'target', position: Position.Left, x: g.border - g.targetHandle / 2, y: g.targetCenter - g.targetHandle / 2, width: g.targetHandle, height: g.targetHandle },
  ];
  handles.forEach((h, i) => {
    const rowTop = branchesTop + 1 + g.branchesPadding + g.row * i;
    list.push({ id: h.name, type: 'source', position: Position.Right, x: sourceX, y: rowTop + (g.row - g.sourceHandle) / 2, width: g.sourceHandle, height: g.sourceHandle });
  });
  return { width: g.width, height, handles: list };
}

/** The card's state classes, shared by the full and the minimal node. */
function stateClasses(data: StepNodeData, selected: boolean): string[] {
  const classes = ['sn'];
  if (selected) classes.push('sn-selected');
  if (data.severity) classes.push(`sn-${data.severity}`);
  if (data.run) classes.push(`sn-run-${data.run}`);
  if (!data.known) classes.push('sn-unknown');
  if (data.stats) classes.push(`sn-heat sn-heat-${data.stats.heat}`);
  if (data.review) classes.push(`sn-review-${data.review}`);
  classes.push(`sn-lines-${titleLines(data.label)}`);
  return classes;
}

function StartBadge() {
  return (
    <div className="sn-start" title="The journey starts here">
      <svg viewBox="0 0 12 12" width="9" height="9" aria-hidden="true">
        <path fill="currentColor" d="M3 1.5v9L10.5 6 3 1.5Z" />
      </svg>
      Start
    </div>
  );
}

/**
 * Zoomed out past MINIMAL_ZOOM (far-zoom.ts), where semantic zoom shows only the card and the name:
 * those alone, at the size the node object carries, without handles, branch rows or figures.
 * React Flow never measures it (trust-geometry.ts): the handle boxes it draws edges to come from
 * the node's geometry or the full node's last measurement. Handles are only needed to drag new
 * edges, which nobody does at this zoom.
 */
function MinimalStepNode({ data, selected, width, height }: NodeProps<StepNodeType>) {
  const classes = stateClasses(data, selected);
  classes.push('sn-min');
  if (data.call) classes.push('sn-call');
  return (
    <div className={classes.join(' ')} style={{ '--cat': categoryColour(data.category), width, height } as React.CSSProperties} data-testid={`node-${data.stepId}`} data-review={data.review ?? undefined}>
      {data.isStart && <StartBadge />}
      <div className="sn-name" title={data.label}>
        {data.label}
      </div>
    </div>
  );
}

function StepNodeView(props: NodeProps<StepNodeType>) {
  return useMinimalZoom() ? <MinimalStepNode {...props} /> : <FullStepNode {...props} />;
}

/**
 * The handles each step's full node last drew (by step id): a full node mounted again after the
 * minimal one (zoomed back in) measures its handles only if they changed meanwhile.
 */
const drawnHandles = new Map<string, string>();

function FullStepNode({ id, data, selected }: NodeProps<StepNodeType>) {
  const updateNodeInternals = useUpdateNodeInternals();
  useEffect(() => {
    const drawn = drawnHandles.get(id);
    drawnHandles.set(id, data.handleKey);
    // First drawn: React Flow has the handle boxes from the node's geometry (Canvas.tsx).
    if (drawn !== undefined && drawn !== data.handleKey) updateNodeInternals(id);
  }, [id, data.handleKey, updateNodeInternals]);

  const openCall = useOpenCall(data.call);
  const wired = new Set(data.wired ? data.wired.split('\u0000') : []);
  const classes = stateClasses(data, selected);
  // A call opens its journey on double-click: `nopan` keeps the canvas from zooming on it instead.
  if (data.call) classes.push('sn-call', 'nopan');
  const declared = data.handles.filter((h) => h.kind !== 'failure');
  const failure = data.handles.find((h) => h.kind === 'failure');

  return (
    <div className={classes.join(' ')} style={{ '--cat': categoryColour(data.category) } as React.CSSProperties} data-testid={`node-${data.stepId}`} data-review={data.review ?? undefined} onDoubleClick={openCall}>
      <Handle type="target" position={Position.Left} id="in" className="sn-in" />
      {data.call && <CallBadge call={data.call} />}
      {data.isStart && <StartBadge />}
      {data.stats && (
        // Above the card (absolutely placed): the node's geometry, and so its handles, stay as they are.
        <div
          className="sn-stats"
          data-testid={`stats-${data.stepId}`}
          data-entered={data.stats.entered}
          data-heat={data.stats.heat}
          title={`${data.stats.entered} entered · ${percent(data.stats.dropOff)} abandoned here · ${percent(data.stats.failure)} of outcomes were errors`}
        >
          {data.stats.entered.toLocaleString('en')} in · {percent(data.stats.dropOff)} drop · {percent(data.stats.failure)} fail
        </div>
      )}
      <div className="sn-head">
        <div className="sn-titles">
          <div className="sn-name" title={data.label}>
            {data.label}
          </div>
          <div className="sn-type" title={data.type}>
            {data.typeTitle}
          </div>
        </div>
        {data.issues > 0 && (
          <span className={`sn-issues sn-issues-${data.severity}`} title={`${data.issues} issue${data.issues === 1 ? '' : 's'}`}>
            {data.severity === 'error' ? '!' : data.issues}
          </span>
        )}
      </div>
      {(declared.length > 0 || failure) && (
        <div className="sn-branches">
          {declared.map((h) => (
            <div key={h.name} className={`sn-branch${h.kind === 'extra' ? ' sn-branch-extra' : ''}${wired.has(h.name) ? ' sn-branch-wired' : ''}`}>
              <span className="sn-branch-name" title={h.kind === 'extra' ? `${h.name}: not a branch of this step type` : h.name}>
                {h.name}
              </span>
              <Handle type="source" position={Position.Right} id={h.name} className="sn-out" />
            </div>
          ))}
          {failure && (
            <div className={`sn-branch sn-branch-failure${wired.has('failure') ? ' sn-branch-wired' : ''}`}>
              <span className="sn-branch-name">failure</span>
              <Handle type="source" position={Position.Right} id="failure" className="sn-out sn-out-failure" />
            </div>
          )}
        </div>
      )}
    </div>
  );
}

export const StepNode = memo(StepNodeView);

/** Module scope: a new object per render would make React Flow re-mount every node. */
export const nodeTypes = { step: StepNode };
