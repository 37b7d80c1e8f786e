// Lays the sample journeys (journeys/*.json) out with the designer's auto-layout (elkjs, the
// node sizes the canvas draws) and stores the positions in each file's `layout`, so a sample opens
// in the designer as auto-layout would arrange it. A file whose layout changes keeps its previous
// hash in journeys/history/shipped-hashes.json (engine/samples.ts: an installed, unedited sample is
// then upgraded to the new file on the next start). `--check` only reports files that would change.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInSteps } from '../steps/index.js';
import { hashDocument } from '../engine/runtime/journey-runtime.js';
import { SHIPPED_HASHES_FILE } from '../engine/samples.js';
import type { StepCatalogueEntry } from '../engine/http/contract/types.js';
import type { JourneyDoc } from '../engine/http/contract/journey-document.js';
import { layoutJourney } from '../designer/src/designer/canvas/layout-journey.js';

const dir = join(import.meta.dirname, '..', 'journeys');
const check = process.argv.includes('--check');
const catalogue = new Map(builtInSteps.map((d) => [d.type, d as unknown as StepCatalogueEntry]));
const hashesFile = join(dir, SHIPPED_HASHES_FILE);
const hashes = JSON.parse(readFileSync(hashesFile, 'utf8')) as Record<string, string[] | string>;
const changed: string[] = [];

/** The file with only its `layout` block replaced (one step per line): the rest keeps its hand formatting. */
function withLayout(text: string, layout: Record<string, { x: number; y: number }>): string {
  const block = `"layout": {\n${Object.entries(layout)
    .map(([id, p]) => `    ${JSON.stringify(id)}: { "x": ${p.x}, "y": ${p.y} }`)
    .join(',\n')}\n  }`;
  const existing = /"layout": \{(?:[^{}]|\{[^{}]*\})*\}/;
  if (existing.test(text)) return text.replace(existing, block);
  return text.replace(/\n\}\s*$/, `,\n  ${block}\n}\n`);
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.test.json')).sort()) {
  const path = join(dir, file);
  const doc = JSON.parse(readFileSync(path, 'utf8')) as JourneyDoc;
  const layout = await layoutJourney(doc, catalogue);
  if (JSON.stringify(layout) === JSON.stringify(doc.layout)) continue;
  changed.push(file);
  if (check) continue;
  const before = hashDocument(doc);
  const list = hashes[doc.id];
  if (!Array.isArray(list)) hashes[doc.id] = [before];
  else if (!list.includes(before)) list.push(before);
  writeFileSync(path, withLayout(readFileSync(path, 'utf8'), layout));
}
// One journey a line, as the file is kept.
const hashLines = Object.entries(hashes).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value).replaceAll('","', '", "')}`);
if (!check && changed.length) writeFileSync(hashesFile, `{\n${hashLines.join(',\n')}\n}\n`);
console.log(changed.length ? `${check ? 'would lay out' : 'laid out'}: ${changed.join(', ')}` : 'samples already laid out');
if (check && changed.length) process.exitCode = 1;
