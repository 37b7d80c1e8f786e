/**
 * The semantic diff of two journey documents: what the second does differently from the first,
 * as a list of changes (the `JourneyDiff` shape of the contract). The admin API, the CLI, the
 * audit log and the designer all use this one function, so they agree on what changed.
 *
 * Pure (no Node built-ins): the designer runs it in the browser.
 *
 * - `layout` and `$schema` are ignored, and key order never matters.
 * - A step whose id changed but whose type, config and branches did not is one `step_renamed`;
 *   branches (and `start`) that followed it to its new id are not reported again.
 * - Values are compared leaf by leaf: each changed leaf is one change at its JSON pointer, and an
 *   array whose length changed is one change at the array's pointer.
 * - Drafts may be invalid: anything that is not an object is compared as a value.
 */
import type { JourneyChange, JourneyChangeKind, JourneyDiff } from '../http/contract/types.js';

type Obj = { [key: string]: unknown };

/** Top-level fields that say nothing about what the journey does. */
const IGNORED_FIELDS = new Set(['$schema', 'layout']);
/** Top-level fields with a kind of their own; every other field is a setting. */
const OWN_KIND_FIELDS = new Set(['steps', 'start', 'input']);
/** Step fields with a kind of their own; the others (name, onFailure…) are reported like config. */
const STEP_OWN_FIELDS = new Set(['type', 'branches']);

export function semanticDiff(from: unknown, to: unknown): JourneyDiff {
  const before = asObject(from);
  const after = asObject(to);
  const changes: JourneyChange[] = [];
  const renames = matchRenames(stepsOf(before), stepsOf(after));
  const follow = (target: unknown) => (typeof target === 'string' ? (renames.get(target) ?? target) : target);

  if (follow(before.start) !== after.start) changes.push(change('start_changed', { path: '/start', from: before.start, to: after.start }));
  for (const key of unionKeys(before, after)) {
    if (IGNORED_FIELDS.has(key) || OWN_KIND_FIELDS.has(key)) continue;
    valueChanges(before[key], after[key], pointer('', key), (c) => changes.push(change('settings_changed', c)));
  }
  valueChanges(before.input, after.input, '/input', (c) => changes.push(change('input_schema_changed', c)));
  changes.push(...stepChanges(stepsOf(before), stepsOf(after), renames, follow));
  return { changes };
}

/** Whether two documents do the same thing (no semantic change). */
export function sameJourney(from: unknown, to: unknown): boolean {
  return semanticDiff(from, to).changes.length === 0;
}

function stepChanges(old: Obj, now: Obj, renames: Map<string, string>, follow: (t: unknown) => unknown): JourneyChange[] {
  const changes: JourneyChange[] = [];
  const renamedTo = new Set(renames.values());
  // One ordering for every reader: by the step's id (its new id for a rename).
  const ids = [...new Set([...Object.keys(old).filter((id) => !renames.has(id)), ...Object.keys(now)])].sort();
  for (const id of ids) {
    const stepPath = pointer('/steps', id);
    if (!(id in now)) {
      changes.push(change('step_removed', { stepId: id, path: stepPath }));
      continue;
    }
    const oldId = renamedTo.has(id) ? [...renames].find(([, to]) => to === id)![0] : id;
    if (!(oldId in old)) {
      changes.push(change('step_added', { stepId: id, path: stepPath }));
      continue;
    }
    if (oldId !== id) changes.push(change('step_renamed', { stepId: id, path: stepPath, from: oldId, to: id }));
    const [a, b] = [asObject(old[oldId]), asObject(now[id])];
    if (a.type !== b.type) changes.push(change('step_type_changed', { stepId: id, path: `${stepPath}/type`, from: a.type, to: b.type }));
    for (const key of unionKeys(a, b)) {
      if (STEP_OWN_FIELDS.has(key)) continue;
      valueChanges(a[key], b[key], pointer(stepPath, key), (c) => changes.push(change('config_changed', { stepId: id, ...c })));
    }
    changes.push(...branchChanges(id, a.branches, b.branches, follow));
  }
  return changes;
}

function branchChanges(stepId: string, oldBranches: unknown, newBranches: unknown, follow: (t: unknown) => unknown): JourneyChange[] {
  const [a, b] = [asObject(oldBranches), asObject(newBranches)];
  const changes: JourneyChange[] = [];
  for (const name of unionKeys(a, b)) {
    const path = pointer(pointer(pointer('/steps', stepId), 'branches'), name);
    if (!(name in a)) changes.push(change('branch_added', { stepId, path, to: b[name] }));
    else if (!(name in b)) changes.push(change('branch_removed', { stepId, path, from: a[name] }));
    else if (follow(a[name]) !== b[name]) changes.push(change('branch_rewired', { stepId, path, from: a[name], to: b[name] }));
  }
  return changes;
}

/**
 * Pairs each removed step with an added one of the same type, config and branches, branch targets
 * compared through the renames found so far. Candidates are bucketed by type, config and branch
 * names, and a pair made re-examines only the removed steps pointing at it, so chains of renamed
 * steps pair from their ends in near-linear time. Then one more pass lets a branch to a removed
 * step match one to an added step, for renamed steps that point at each other (loops).
 */
function matchRenames(old: Obj, now: Obj): Map<string, string> {
  const renames = new Map<string, string>();
  const removed = Object.keys(old).filter((id) => !(id in now)).sort();
  const added = Object.keys(now).filter((id) => !(id in old)).sort();
  if (!removed.length || !added.length) return renames;
  const removedSet = new Set(removed);
  const addedSet = new Set(added);
  const taken = new Set<string>();
  const branchesOf = (step: unknown) => asObject(asObject(step).branches);
  const signature = (step: unknown) => {
    const s = asObject(step);
    return canonical([s.type ?? null, s.config ?? null, Object.keys(branchesOf(step)).sort()]);
  };
  const candidates = new Map<string, string[]>();
  for (const id of added) {
    const key = signature(now[id]);
    candidates.set(key, [...(candidates.get(key) ?? []), id]);
  }
  // Removed steps by the removed steps they point at: who to look at again once a target pairs.
  const pointingAt = new Map<string, string[]>();
  for (const r of removed) {
    for (const target of Object.values(branchesOf(old[r]))) {
      if (typeof target === 'string' && removedSet.has(target) && target !== r) pointingAt.set(target, [...(pointingAt.get(target) ?? []), r]);
    }
  }
  const branchesMatch = (r: string, a: string, lenient: boolean) => {
    const [bx, by] = [branchesOf(old[r]), branchesOf(now[a])];
    return Object.keys(bx).every((name) => {
      const [from, to] = [bx[name], by[name]];
      if (typeof from !== 'string') return sameValue(from, to);
      const followed = from === r ? a : (renames.get(from) ?? from);
      if (followed === to) return true;
      return lenient && typeof to === 'string' && removedSet.has(from) && !renames.has(from) && addedSet.has(to) && !taken.has(to);
    });
  };
  const tryPair = (r: string, lenient: boolean) => {
    if (renames.has(r)) return false;
    const a = (candidates.get(signature(old[r])) ?? []).find((id) => !taken.has(id) && branchesMatch(r, id, lenient));
    if (a === undefined) return false;
    renames.set(r, a);
    taken.add(a);
    return true;
  };
  const settle = (queue: string[]) => {
    while (queue.length) {
      const r = queue.pop()!;
      if (tryPair(r, false)) queue.push(...(pointingAt.get(r) ?? []));
    }
  };
  settle([...removed].reverse());
  for (const r of removed) {
    if (tryPair(r, true)) settle([...(pointingAt.get(r) ?? [])]);
  }
  return renames;
}

/** JSON with sorted keys: equal values, equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v));
}

type Found = { path: string; from?: unknown; to?: unknown };

/** Every changed leaf between two values, each at its pointer; a resized array is one change. */
function valueChanges(a: unknown, b: unknown, path: string, emit: (c: Found) => void): void {
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    for (const key of unionKeys(a, b)) valueChanges(a[key], b[key], pointer(path, key), emit);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => valueChanges(item, b[i], `${path}/${i}`, emit));
    return;
  }
  emit({ path, ...(a === undefined ? {} : { from: a }), ...(b === undefined ? {} : { to: b }) });
}

function sameValue(a: unknown, b: unknown): boolean {
  let same = true;
  valueChanges(a, b, '', () => (same = false));
  return same;
}

function change(kind: JourneyChangeKind, fields: Omit<JourneyChange, 'kind'>): JourneyChange {
  const out: JourneyChange = { kind };
  if (fields.stepId !== undefined) out.stepId = fields.stepId;
  if (fields.path !== undefined) out.path = fields.path;
  if (fields.from !== undefined) out.from = fields.from;
  if (fields.to !== undefined) out.to = fields.to;
  return out;
}

function stepsOf(doc: Obj): Obj {
  return asObject(doc.steps);
}

function asObject(value: unknown): Obj {
  return isObject(value) ? value : {};
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unionKeys(a: Obj, b: Obj): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

/** RFC 6901: `~` and `/` escaped in a reference token. */
function pointer(base: string, token: string): string {
  return `${base}/${token.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
