/** "Extract to sub-journey" (#20): offered over the canvas while two steps or more are selected. */
export function ExtractAction({ count, onExtract }: { count: number; onExtract: () => void }) {
  if (count < 2) return null;
  return (
    <div className="calls-extract">
      <button type="button" className="btn" data-testid="extract-sub-journey" onClick={onExtract} title="Move the selected steps to a new journey, called here in their place">
        Extract {count} steps to sub-journey
      </button>
    </div>
  );
}
