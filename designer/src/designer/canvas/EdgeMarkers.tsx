/**
 * The edges' arrowheads, defined once. Edges name them by id (a string markerEnd): React Flow
 * then has no marker objects to collect, which it otherwise does over every edge on each store
 * update (some 15 ms per update on a 500-step journey). Same shape as React Flow's ArrowClosed.
 */
import { memo } from 'react';
import './EdgeMarkers.css';

const ARROWS = {
  'je-arrow': '#9aa3b2',
  'je-arrow-failure': '#e0766d',
  'je-arrow-run': '#4f46e5',
} as const;

export type ArrowId = keyof typeof ARROWS;

export const EdgeMarkers = memo(function EdgeMarkers() {
  return (
    <svg className="je-edge-markers" aria-hidden="true" width="0" height="0">
      <defs>
        {Object.entries(ARROWS).map(([id, colour]) => (
          <marker key={id} id={id} className="react-flow__arrowhead" markerWidth="14" markerHeight="14" viewBox="-10 -10 20 20" markerUnits="strokeWidth" orient="auto-start-reverse" refX="0" refY="0">
            <polyline style={{ stroke: colour, fill: colour, strokeWidth: 1 }} strokeLinecap="round" strokeLinejoin="round" points="-5,-4 0,0 -5,4 -5,-4" />
          </marker>
        ))}
      </defs>
    </svg>
  );
});
