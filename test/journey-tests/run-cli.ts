/** `journey …` run in this process (cli/commands.ts main), its output captured; files in a temp folder. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { main } from '../../cli/commands.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function journeyCli(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await main(args, {
    stdin: Readable.from([]),
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
    env: {},
  });
  return { code, stdout, stderr };
}

/** A temp folder holding `files` (name → text or JSON); removed by the returned function. */
export function tempFolder(files: Record<string, unknown>): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'journey-tests-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The 1-based line of the first line of `text` holding `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`${needle} is not in the text`);
  return index + 1;
}
