/**
 * Pure operations on a journey document. Every edit answers a new document and shares what did
 * not change (steps, layout entries), so React and the undo history can compare by reference.
 */
import { declaredBranches, resolvePointer } from '../../../../engine/steps/registry.js';
import type { StepDefinition } from '../../../../engine/steps/step-types.js';
import type { StepCatalogueEntry as CatalogueEntry } from '../../../../engine/http/contract/types.js';
import type { JourneyDoc, JsonObject, JsonSchema, Position, StepDoc } from '../../../../engine/http/contract/journey-document.js';

export const STEP_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const JOURNEY_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface BranchHandle {
  name: string;
  /** declared: the type declares it; extra: wired but not declared (an error); failure: the implicit one. */
  kind: 'declared' | 'extra' | 'failure';
}

const isRecord = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The handles a step shows: its declared branches (following its config), wired extras, then
 * `failure`, except on a terminal step (complete, reject), which has nowhere to fail to: it gets a
 * `failure` handle only when one is wired (so the wiring stays visible and deletable).
 */
export function branchHandles(step: StepDoc, entry: CatalogueEntry | undefined): BranchHandle[] {
  const wired = Object.keys(step.branches ?? {});
  let declared: string[] = [];
  if (entry) {
    const names = declaredBranches(entry as unknown as StepDefinition, step.config ?? {});
    declared = names ?? partialBranches(entry, step.config ?? {});
  }
  const seen = new Set<string>();
  const handles: BranchHandle[] = [];
  for (const name of declared) {
    if (name === 'failure' || seen.has(name) || typeof name !== 'string' || name === '') continue;
    seen.add(name);
    handles.push({ name, kind: 'declared' });
  }
  for (const name of wired) {
    if (name === 'failure' || seen.has(name)) continue;
    seen.add(name);
    handles.push({ name, kind: 'extra' });
  }
  if (!entry?.terminal || Object.hasOwn(step.branches ?? {}, 'failure')) handles.push({ name: 'failure', kind: 'failure' });
  return handles;
}

/** While an option or case is being typed (no id yet), the items that have one still get their handle. */
function partialBranches(entry: CatalogueEntry, config: JsonObject): string[] {
  if (Array.isArray(entry.branches)) return [];
  const { from, key, extra } = entry.branches;
  const items = resolvePointer(config, from);
  const names = Array.isArray(items) ? items.map((item) => (isRecord(item) ? item[key] : undefined)).filter((n): n is string => typeof n === 'string' && n !== '') : [];
  return [...names, ...(extra ?? [])];
}

/** A fresh step id from the type: `totp.register` → `totpRegister`, `totpRegister2`… */
export function newStepId(doc: Pick<JourneyDoc, 'steps'>, type: string, taken?: Set<string>): string {
  const words = type.split(/[^A-Za-z0-9]+/).filter(Boolean);
  let base = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  if (!/^[A-Za-z]/.test(base)) base = `step${base}`;
  base = base.slice(0, 56) || 'step';
  const used = (id: string) => Object.hasOwn(doc.steps, id) || (taken?.has(id) ?? false);
  if (!used(base)) return base;
  for (let i = 2; ; i++) if (!used(`${base}${i}`)) return `${base}${i}`;
}

/** A starting config from the type's schema: required keys only, defaults where the schema has them. */
export function skeletonConfig(schema: JsonSchema): JsonObject {
  const value = skeleton(schema, 0);
  return isRecord(value) ? value : {};
}

function skeleton(schema: unknown, depth: number): unknown {
  if (!isRecord(schema) || depth > 6) return undefined;
  if (schema.default !== undefined) return structuredClone(schema.default);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: JsonObject = {};
      const props = isRecord(schema.properties) ? schema.properties : {};
      for (const key of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
        const v = skeleton(props[key], depth + 1);
        out[key] = v === undefined ? '' : v;
      }
      return out;
    }
    case 'array': {
      const count = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return Array.from({ length: count }, (_, i) => {
        const item = skeleton(schema.items, depth + 1);
        if (isRecord(item) && 'id' in item && item.id === '') item.id = `option${i + 1}`;
        return item ?? '';
      });
    }
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    default:
      return undefined;
  }
}

export function addStep(doc: JourneyDoc, entry: CatalogueEntry, position: Position): { doc: JourneyDoc; id: string } {
  const id = newStepId(doc, entry.type);
  const step: StepDoc = { type: entry.type, name: entry.title, config: skeletonConfig(entry.configSchema) };
  const steps = { ...doc.steps, [id]: step };
  const next: JourneyDoc = { ...doc, steps, layout: { ...doc.layout, [id]: roundPosition(position) } };
  // The first step of an empty journey is where it starts.
  if (!doc.start || !Object.hasOwn(doc.steps, doc.start)) next.start = id;
  return { doc: next, id };
}

export function updateStep(doc: JourneyDoc, id: string, update: (step: StepDoc) => StepDoc): JourneyDoc {
  const current = doc.steps[id];
  if (!current) return doc;
  const step = clean(update(current));
  return { ...doc, steps: { ...doc.steps, [id]: step } };
}

/** Drops keys set to undefined or empty strings for optional fields, so the document stays tidy. */
function clean(step: StepDoc): StepDoc {
  const out: StepDoc = { type: step.type };
  if (step.name) out.name = step.name;
  if (step.description) out.description = step.description;
  out.config = step.config ?? {};
  if (step.branches && Object.keys(step.branches).length) out.branches = step.branches;
  if (step.errorOutputVariable) out.errorOutputVariable = step.errorOutputVariable;
  if (step.onFailure) out.onFailure = step.onFailure;
  return out;
}

export function connect(doc: JourneyDoc, source: string, branch: string, target: string): JourneyDoc {
  if (!doc.steps[source] || !doc.steps[target]) return doc;
  if (doc.steps[source].branches?.[branch] === target) return doc;
  return updateStep(doc, source, (s) => ({ ...s, branches: { ...s.branches, [branch]: target } }));
}

export function disconnect(doc: JourneyDoc, wires: Array<{ source: string; branch: string }>): JourneyDoc {
  let next = doc;
  for (const { source, branch } of wires) {
    next = updateStep(next, source, (s) => {
      const branches = { ...s.branches };
      delete branches[branch];
      return { ...s, branches };
    });
  }
  return next;
}

export function deleteSteps(doc: JourneyDoc, ids: Iterable<string>): JourneyDoc {
  const gone = new Set(ids);
  if (gone.size === 0) return doc;
  const steps: Record<string, StepDoc> = {};
  for (const [id, step] of Object.entries(doc.steps)) {
    if (gone.has(id)) continue;
    const dangling = Object.entries(step.branches ?? {}).filter(([, target]) => gone.has(target));
    if (dangling.length === 0) {
      steps[id] = step;
      continue;
    }
    const branches = { ...step.branches };
    for (const [branch] of dangling) delete branches[branch];
    steps[id] = clean({ ...step, branches });
  }
  const layout = { ...doc.layout };
  for (const id of gone) delete layout[id];
  return { ...doc, steps, layout };
}

export function renameStep(doc: JourneyDoc, from: string, to: string): JourneyDoc {
  if (from === to || !doc.steps[from] || Object.hasOwn(doc.steps, to) || !STEP_ID.test(to)) return doc;
  const steps: Record<string, StepDoc> = {};
  for (const [id, step] of Object.entries(doc.steps)) {
    const retarget = Object.values(step.branches ?? {}).includes(from);
    const next = retarget ? { ...step, branches: Object.fromEntries(Object.entries(step.branches!).map(([b, t]) => [b, t === from ? to : t])) } : step;
    steps[id === from ? to : id] = next;
  }
  const layout: Record<string, Position> = {};
  for (const [id, pos] of Object.entries(doc.layout ?? {})) layout[id === from ? to : id] = pos;
  return { ...doc, steps, layout, start: doc.start === from ? to : doc.start };
}

export function setPositions(doc: JourneyDoc, positions: Record<string, Position>): JourneyDoc {
  let changed = false;
  const layout = { ...doc.layout };
  for (const [id, pos] of Object.entries(positions)) {
    const rounded = roundPosition(pos);
    const old = layout[id];
    if (old && old.x === rounded.x && old.y === rounded.y) continue;
    layout[id] = rounded;
    changed = true;
  }
  return changed ? { ...doc, layout } : doc;
}

function roundPosition(p: Position): Position {
  return { x: Math.round(p.x), y: Math.round(p.y) };
}

export interface Clipboard {
  steps: Record<string, StepDoc>;
  layout: Record<string, Position>;
}

export function copySteps(doc: JourneyDoc, ids: Iterable<string>): Clipboard | null {
  const chosen = [...ids].filter((id) => doc.steps[id]);
  if (!chosen.length) return null;
  const steps: Record<string, StepDoc> = {};
  const layout: Record<string, Position> = {};
  for (const id of chosen) {
    steps[id] = structuredClone(doc.steps[id]);
    if (doc.layout?.[id]) layout[id] = { ...doc.layout[id] };
  }
  return { steps, layout };
}

/** Pastes with fresh ids; branches between pasted steps follow them, branches leaving the set are dropped. */
export function pasteSteps(doc: JourneyDoc, clip: Clipboard, offset: Position): { doc: JourneyDoc; ids: string[] } {
  const rename = new Map<string, string>();
  const taken = new Set<string>();
  for (const id of Object.keys(clip.steps)) {
    const base = id.replace(/(Copy)?\d*$/, '') || 'step';
    let candidate = `${base}Copy`;
    for (let i = 2; Object.hasOwn(doc.steps, candidate) || taken.has(candidate); i++) candidate = `${base}Copy${i}`;
    if (!STEP_ID.test(candidate)) candidate = newStepId(doc, 'step', taken);
    taken.add(candidate);
    rename.set(id, candidate);
  }
  const steps = { ...doc.steps };
  const layout = { ...doc.layout };
  let i = 0;
  for (const [id, step] of Object.entries(clip.steps)) {
    const branches: Record<string, string> = {};
    for (const [branch, target] of Object.entries(step.branches ?? {})) {
      if (rename.has(target)) branches[branch] = rename.get(target)!;
    }
    const newId = rename.get(id)!;
    steps[newId] = clean({ ...structuredClone(step), branches });
    const at = clip.layout[id] ?? { x: 40 * i, y: 40 * i };
    layout[newId] = roundPosition({ x: at.x + offset.x, y: at.y + offset.y });
    i++;
  }
  return { doc: { ...doc, steps, layout }, ids: [...rename.values()] };
}

export function newJourney(id: string, name: string): JourneyDoc {
  return {
    id,
    name,
    start: 'done',
    settings: { public: false },
    steps: { done: { type: 'complete', name: 'Complete', config: {} } },
    layout: { done: { x: 0, y: 0 } },
  };
}

/** Positions for steps the layout does not place (imported journeys): a simple grid to the right. */
export function ensureLayout(doc: JourneyDoc): JourneyDoc {
  const missing = Object.keys(doc.steps).filter((id) => !doc.layout?.[id]);
  if (!missing.length) return doc;
  const layout = { ...doc.layout };
  const placed = Object.values(layout);
  const startX = placed.length ? Math.max(...placed.map((p) => p.x)) + 320 : 0;
  const perColumn = Math.max(4, Math.ceil(Math.sqrt(missing.length)));
  missing.forEach((id, i) => {
    layout[id] = { x: startX + Math.floor(i / perColumn) * 300, y: (i % perColumn) * 170 };
  });
  return { ...doc, layout };
}

export function humanizeType(type: string): string {
  return type.replace(/[._-]+/g, ' ');
}
