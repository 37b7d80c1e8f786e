/** Generated journeys for the benchmarks. */

/** A chain of `length` set-variables steps, then complete. */
export function setVariablesChain(length: number) {
  const steps: Record<string, unknown> = {};
  for (let i = 0; i < length; i++) {
    steps[`s${i}`] = { type: 'set-variables', config: { assign: { [`v${i}`]: `{% ${i} + ${i > 0 ? `v${i - 1}` : '0'} %}` } }, branches: { next: i + 1 < length ? `s${i + 1}` : 'done' } };
  }
  steps.done = { type: 'complete', config: { claims: { total: `{% v${length - 1} %}` } } };
  return { id: `chain-${length}`, start: 's0', settings: { public: true }, steps };
}

/**
 * A journey of about `size` steps shaped like real ones: forms with two options, conditions,
 * switches, set-variables and http-free identity steps, all wired, ending in complete/reject.
 */
export function largeJourney(size: number) {
  const steps: Record<string, unknown> = {};
  const layout: Record<string, { x: number; y: number }> = {};
  const blocks = Math.floor((size - 2) / 4);
  for (let b = 0; b < blocks; b++) {
    const next = b + 1 < blocks ? `form${b + 1}` : 'done';
    steps[`form${b}`] = {
      type: 'form',
      name: `Form ${b}`,
      config: {
        outputVariable: `f${b}`,
        title: `Question ${b}`,
        options: [
          { id: 'go', label: 'Continue', schema: { type: 'object', required: ['answer'], properties: { answer: { type: 'string', maxLength: 50 } } } },
          { id: 'stop', label: 'Stop' },
        ],
      },
      branches: { go: `check${b}`, stop: 'stopped' },
    };
    steps[`check${b}`] = { type: 'condition', config: { expression: `{% $length(f${b}.answer) > 2 %}` }, branches: { true: `route${b}`, false: `form${b}` } };
    steps[`route${b}`] = {
      type: 'switch',
      config: { cases: [{ id: 'a', when: `{% f${b}.answer = 'a' %}` }, { id: 'b', when: `{% f${b}.answer = 'b' %}` }] },
      branches: { a: `note${b}`, b: `note${b}`, default: `note${b}` },
    };
    steps[`note${b}`] = { type: 'set-variables', config: { assign: { [`n${b}`]: `{% f${b}.answer & '-' & $string(${b}) %}` } }, branches: { next } };
    layout[`form${b}`] = { x: b * 300, y: 0 };
    layout[`check${b}`] = { x: b * 300, y: 150 };
    layout[`route${b}`] = { x: b * 300, y: 300 };
    layout[`note${b}`] = { x: b * 300, y: 450 };
  }
  steps.done = { type: 'complete', config: { claims: { ok: true } } };
  steps.stopped = { type: 'reject', config: { code: 'stopped' } };
  return { id: `large-${size}`, name: `Generated ${size}-step journey`, start: 'form0', settings: { public: true }, steps, layout };
}
