/**
 * The way back from a called journey to its callers (#20): the journeys opened from a call node,
 * innermost last, kept for the browser tab (sessionStorage) so a reload keeps it.
 */
export interface Drill {
  /** The caller's editor path, and its id. */
  from: string;
  fromId: string;
  /** The journey opened from it. */
  to: string;
}

const KEY = 'journey-designer:drill';

function read(): Drill[] {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as Drill[]) : [];
  } catch {
    return [];
  }
}

function write(stack: Drill[]): void {
  sessionStorage.setItem(KEY, JSON.stringify(stack));
}

export function pushDrill(drill: Drill): void {
  write([...read(), drill]);
}

/** The way back when `journeyId` is the journey last opened from a call; null otherwise. */
export function drillBackFor(journeyId: string): Drill | null {
  const stack = read();
  const top = stack[stack.length - 1];
  return top && top.to === journeyId ? top : null;
}

export function popDrill(): void {
  write(read().slice(0, -1));
}
