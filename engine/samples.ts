/**
 * Sample journeys from `journeys/`: each one whose id this installation has never known is saved
 * and published (so a sample an admin deleted does not come back at the next start). A sample
 * installed by an earlier release and never edited since (its draft and latest version are still a
 * document that release shipped, per `history/shipped-hashes.json`) is replaced by the current file; an
 * edited one is left alone, with a warning.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { JourneyAdmin } from './runtime/journey-admin.js';
import { hashDocument } from './runtime/journey-runtime.js';
import type { Store } from './store/store.js';
import type { JsonObject } from './steps/step-types.js';
import { statedCalls } from './runtime/calls/check-calls.js';

/** Earlier releases' sample hashes by journey id, in a folder beside the samples. */
export const SHIPPED_HASHES_FILE = join('history', 'shipped-hashes.json');

export async function publishSampleJourneys(directory: string, admin: JourneyAdmin, store: Store, logger: Logger): Promise<string[]> {
  const published: string[] = [];
  let files: string[];
  try {
    files = readdirSync(directory).filter((f) => f.endsWith('.json') && !f.endsWith('.test.json')).sort();
  } catch {
    return published;
  }
  const previous = previousHashes(directory);
  const documents = calleesFirst(files.map((file) => JSON.parse(readFileSync(join(directory, file), 'utf8')) as JsonObject));
  for (const document of documents) {
    const id = String(document.id);
    if (await store.journeys.isKnown(id)) {
      const action = await upgradeAction(store, id, hashDocument(document), previous.get(id) ?? []);
      if (action === 'edited') logger.warn({ journeyId: id }, 'sample journey was edited by an admin: its new version is not installed');
      if (action !== 'replace') continue;
    }
    const saved = await admin.save(id, document);
    if (!saved.valid) {
      logger.warn({ journeyId: id, diagnostics: saved.diagnostics.filter((d) => d.severity === 'error') }, 'sample journey has errors; saved as a draft only');
      continue;
    }
    await admin.publish(id);
    published.push(id);
  }
  return published;
}

/** What to do with an installed sample: keep it (current or deleted), replace it, or warn that it was edited. */
async function upgradeAction(store: Store, id: string, currentHash: string, shipped: string[]): Promise<'keep' | 'replace' | 'edited'> {
  const draft = await store.journeys.getDraft(id);
  if (!draft) return 'keep';
  const draftHash = hashDocument(draft.document);
  if (draftHash === currentHash) return 'keep';
  const latest = await store.journeys.getLatestVersion(id);
  const untouched = shipped.includes(draftHash) && (latest === null || latest.documentHash === draftHash);
  return untouched ? 'replace' : 'edited';
}

function previousHashes(directory: string): Map<string, string[]> {
  const file = join(directory, SHIPPED_HASHES_FILE);
  if (!existsSync(file)) return new Map();
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return new Map(Object.entries(parsed).filter((entry): entry is [string, string[]] => Array.isArray(entry[1])));
}

/** The samples with every journey a sample calls before it (a call must be published to publish its caller). */
export function calleesFirst(documents: JsonObject[]): JsonObject[] {
  const byId = new Map(documents.map((document) => [String(document.id), document]));
  const ordered: JsonObject[] = [];
  const placed = new Set<string>();
  const place = (document: JsonObject, chain: Set<string>) => {
    const id = String(document.id);
    if (placed.has(id) || chain.has(id)) return;
    chain.add(id);
    for (const call of statedCalls(document as never)) {
      const callee = byId.get(call.journeyId);
      if (callee) place(callee, chain);
    }
    placed.add(id);
    ordered.push(document);
  };
  for (const document of documents) place(document, new Set());
  return ordered;
}
