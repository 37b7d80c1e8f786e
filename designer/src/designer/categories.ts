/** Step categories: their order in the palette, labels and colours (unknown categories still work). */
export const CATEGORY_ORDER = ['input', 'authentication', 'identity', 'logic', 'data', 'integration', 'outcome'];

const LABELS: Record<string, string> = {
  input: 'Input',
  authentication: 'Authentication',
  identity: 'Identity',
  logic: 'Logic',
  data: 'Data',
  integration: 'Integration',
  outcome: 'Outcome',
};

const COLOURS: Record<string, string> = {
  input: 'var(--cat-input)',
  authentication: 'var(--cat-authentication)',
  identity: 'var(--cat-identity)',
  logic: 'var(--cat-logic)',
  data: 'var(--cat-data)',
  integration: 'var(--cat-integration)',
  outcome: 'var(--cat-outcome)',
};

/** Solid colours for places CSS variables cannot reach (the minimap). */
const HEX: Record<string, string> = {
  input: '#2563eb',
  authentication: '#7c3aed',
  identity: '#0d9488',
  logic: '#d97706',
  data: '#0891b2',
  integration: '#db2777',
  outcome: '#059669',
};

export const categoryLabel = (c: string) => LABELS[c] ?? c.charAt(0).toUpperCase() + c.slice(1);
export const categoryColour = (c: string) => COLOURS[c] ?? 'var(--cat-other)';
export const categoryHex = (c: string) => HEX[c] ?? '#64748b';

export function categoryRank(c: string): number {
  const i = CATEGORY_ORDER.indexOf(c);
  return i === -1 ? CATEGORY_ORDER.length : i;
}
