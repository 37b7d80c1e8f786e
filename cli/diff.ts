/**
 * `journey diff A B`: what B changes from A (#19). Each side is a journey file, or `id@version` /
 * `id@draft` on the server. Two sides of one journey on the server are diffed by the server
 * (GET /v1/admin/journeys/{id}/diff); anything else is fetched or read and diffed here with the
 * same function, so the CLI and the API answer the same changes for the same pair.
 */
import type { JourneyChange, JourneyClient, JourneyDiff } from '../client/index.js';
import { JOURNEY_ID_PATTERN } from '../engine/journey/journey-schema.js';
import { semanticDiff } from '../engine/journey/semantic-diff.js';
import type { Io } from './run.js';

type Ref = { kind: 'file'; name: string } | { kind: 'server'; id: string; at: number | 'draft' };

const SERVER_REF = new RegExp(`^(${JOURNEY_ID_PATTERN.slice(1, -1)})@([1-9][0-9]{0,8}|draft)$`);

/** `id@3` or `id@draft` is a journey on the server; anything else names a file. */
export function parseRef(text: string): Ref {
  const match = SERVER_REF.exec(text);
  if (!match) return { kind: 'file', name: text };
  return { kind: 'server', id: match[1], at: match[2] === 'draft' ? 'draft' : Number(match[2]) };
}

export interface DiffDeps {
  client: () => JourneyClient;
  readDocument: (file: string) => Promise<unknown>;
}

export async function journeyDiff(a: string, b: string, deps: DiffDeps): Promise<JourneyDiff> {
  const [from, to] = [parseRef(a), parseRef(b)];
  if (from.kind === 'server' && to.kind === 'server' && from.id === to.id) return deps.client().diffJourney(from.id, from.at, to.at);
  const load = async (ref: Ref) => {
    if (ref.kind === 'file') return deps.readDocument(ref.name);
    return ref.at === 'draft' ? (await deps.client().getJourney(ref.id)).draft : deps.client().getVersion(ref.id, ref.at);
  };
  const [before, after] = await Promise.all([load(from), load(to)]);
  return semanticDiff(before, after);
}

/** One line per change: `kind path: from -> to`, then a count. */
export function printDiff(diff: JourneyDiff, io: Io): void {
  for (const change of diff.changes) io.out(`${describe(change)}\n`);
  const n = diff.changes.length;
  io.out(n === 0 ? 'no changes\n' : `${n} change${n === 1 ? '' : 's'}\n`);
}

function describe(change: JourneyChange): string {
  const values = [
    'from' in change ? show(change.from) : change.to !== undefined ? '(none)' : undefined,
    'to' in change ? show(change.to) : change.from !== undefined ? '(none)' : undefined,
  ];
  const arrow = values[0] === undefined ? '' : `: ${values[0]} -> ${values[1]}`;
  return `${change.kind} ${change.path ?? ''}${arrow}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
