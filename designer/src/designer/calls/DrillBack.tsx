/** "Back to the caller", shown in a journey opened from a call node (#20). */
import { useState } from 'react';
import './calls.css';
import { drillBackFor, popDrill } from './drill-stack.js';

export function DrillBack({ journeyId, navigate }: { journeyId: string; navigate: (path: string) => void }) {
  const [back] = useState(() => drillBackFor(journeyId));
  if (!back) return null;
  return (
    <div className="calls-back" role="navigation" aria-label="Called journey">
      <button
        type="button"
        className="btn"
        data-testid="drill-back"
        onClick={() => {
          popDrill();
          navigate(back.from);
        }}
      >
        ← Back to {back.fromId}
      </button>
      <span className="calls-back-note">Opened from a call in {back.fromId}</span>
    </div>
  );
}
