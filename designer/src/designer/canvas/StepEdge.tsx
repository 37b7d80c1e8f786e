/**
 * The canvas's edges: React Flow's bezier for an edge between two steps, RoutedEdge along an
 * auto-layout route. Zoomed out past MINIMAL_ZOOM (far-zoom.ts) both draw the visible path alone:
 * no wide invisible path for the pointer (one more element per edge, and at that zoom an edge is
 * a fraction of a pixel wide on screen anyway) and no label (analytics counts, unreadable there).
 */
import { BaseEdge, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { useMinimalZoom } from './far-zoom.js';
import { RoutedEdge } from './RoutedEdge.js';

/** What an edge draws at the current zoom: its hit path and label only when not minimal. */
export function useEdgeDetail<P extends Pick<EdgeProps, 'interactionWidth' | 'label'>>(props: P): P {
  const minimal = useMinimalZoom();
  return minimal ? { ...props, interactionWidth: 0, label: undefined } : props;
}

function StepEdgeView(edge: EdgeProps) {
  const props = useEdgeDetail(edge);
  const [path, labelX, labelY] = getBezierPath(props);
  return (
    <BaseEdge
      path={path}
      markerEnd={props.markerEnd}
      style={props.style}
      interactionWidth={props.interactionWidth}
      label={props.label}
      labelX={labelX}
      labelY={labelY}
      labelStyle={props.labelStyle}
      labelShowBg={props.labelShowBg}
      labelBgStyle={props.labelBgStyle}
      labelBgPadding={props.labelBgPadding}
      labelBgBorderRadius={props.labelBgBorderRadius}
    />
  );
}

export const StepEdge = memo(StepEdgeView);

/** Module scope: a new object per render would make React Flow re-mount every edge. */
export const edgeTypes = { default: StepEdge, routed: RoutedEdge };
