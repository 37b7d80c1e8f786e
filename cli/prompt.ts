/**
 * Questions and answers over readline that work the same on a terminal and on piped stdin: lines
 * are queued as they arrive (a pipe may deliver them all before the first question), and the end
 * of the input answers null.
 */
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export class Prompter {
  private readonly rl: Interface;
  private readonly queue: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private ended = false;

  private readonly tty: boolean;

  constructor(
    input: Readable & { isTTY?: boolean },
    private readonly output: Writable,
  ) {
    this.tty = Boolean(input.isTTY);
    // On a terminal readline edits the line and shows the prompt; on a pipe it only splits lines.
    this.rl = createInterface({ input, output: this.tty ? output : undefined, terminal: this.tty });
    this.rl.on('line', (line) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = null;
        resolve(line);
      } else {
        this.queue.push(line);
      }
    });
    this.rl.on('close', () => {
      this.ended = true;
      this.waiting?.(null);
      this.waiting = null;
    });
  }

  /** Writes the question and answers the next line, or null once the input has ended. */
  ask(question: string): Promise<string | null> {
    if (this.tty) {
      this.rl.setPrompt(question);
      this.rl.prompt();
    } else {
      this.output.write(question);
    }
    return this.next().then((line) => {
      // A piped answer is not echoed by any terminal: echo it, so the transcript reads well.
      if (!this.tty && line !== null) this.output.write(`${line}\n`);
      return line;
    });
  }

  private next(): Promise<string | null> {
    if (this.queue.length) return Promise.resolve(this.queue.shift()!);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  close(): void {
    this.rl.close();
  }
}
