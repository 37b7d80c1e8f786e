/**
 * An edge drawn along the route auto-layout found for it (elk's orthogonal bends, between the
 * layers, around the steps), with rounded corners, instead of a bezier that may cut straight
 * through a step in a layer it skips. The canvas uses it while the steps are where auto-layout
 * put them; once they move, edges are beziers again (Canvas.tsx).
 */
import { BaseEdge, getBezierPath, type Edge, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import type { Position } from '../../../../engine/http/contract/journey-document.js';
import { useEdgeDetail } from './StepEdge.js';

export type RoutedEdgeType = Edge<{ bends: Position[] }, 'routed'>;

const RADIUS = 10;

function RoutedEdgeView(edge: EdgeProps<RoutedEdgeType>) {
  const props = useEdgeDetail(edge);
  const { sourceX, sourceY, targetX, targetY, data, markerEnd, style, interactionWidth, label, labelStyle, labelShowBg, labelBgStyle, labelBgPadding, labelBgBorderRadius } = props;
  const bends = data?.bends ?? [];
  let path: string;
  let labelX: number;
  let labelY: number;
  if (bends.length < 2) {
    [path, labelX, labelY] = getBezierPath(props);
  } else {
    // elk's first and last segments are horizontal, from and to its ports: level them with the handles.
    const points = [{ x: sourceX, y: sourceY }, { x: bends[0].x, y: sourceY }, ...bends.slice(1, -1), { x: bends[bends.length - 1].x, y: targetY }, { x: targetX, y: targetY }];
    path = rounded(points);
    const middle = points[Math.floor(points.length / 2)];
    labelX = middle.x;
    labelY = middle.y;
  }
  return (
    <BaseEdge
      className={bends.length < 2 ? undefined : 'je-routed'}
      path={path}
      markerEnd={markerEnd}
      style={style}
      interactionWidth={interactionWidth}
      label={label}
      labelX={labelX}
      labelY={labelY}
      labelStyle={labelStyle}
      labelShowBg={labelShowBg}
      labelBgStyle={labelBgStyle}
      labelBgPadding={labelBgPadding}
      labelBgBorderRadius={labelBgBorderRadius}
    />
  );
}

/** A polyline with its corners rounded (never by more than half of either segment). */
function rounded(points: Position[]): string {
  let d = `M ${points[0].x} ${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(RADIUS, Math.hypot(b.x - a.x, b.y - a.y) / 2, Math.hypot(c.x - b.x, c.y - b.y) / 2);
    const toward = (from: Position, to: Position) => {
      const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
      return { x: from.x + ((to.x - from.x) / length) * r, y: from.y + ((to.y - from.y) / length) * r };
    };
    const enter = toward(b, a);
    const leave = toward(b, c);
    d += ` L ${enter.x} ${enter.y} Q ${b.x} ${b.y} ${leave.x} ${leave.y}`;
  }
  const last = points[points.length - 1];
  return `${d} L ${last.x} ${last.y}`;
}

export const RoutedEdge = memo(RoutedEdgeView);
