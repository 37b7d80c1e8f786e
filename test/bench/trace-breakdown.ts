/**
 * Where a page's time went during one action, from Chromium's own timeline (the Performance
 * panel's data, recorded over CDP with Tracing.start): the renderer main thread's self time by
 * kind (script, style, layout, paint and the rest of the frame's work). Self time: an event's
 * duration less its children's, so a layout forced from script counts once, as layout. Raster
 * (on other threads, or the GPU process) is not included.
 */
import type { CDPSession } from 'playwright-core';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

export interface TraceSummary {
  script: number;
  style: number;
  layout: number;
  paint: number;
  'other main-thread work': number;
}

const KINDS: Record<string, keyof TraceSummary> = {
  FunctionCall: 'script',
  EvaluateScript: 'script',
  'v8.compile': 'script',
  'v8.evaluateModule': 'script',
  TimerFire: 'script',
  FireAnimationFrame: 'script',
  EventDispatch: 'script',
  RunMicrotasks: 'script',
  'V8.GCScavenger': 'script',
  MajorGC: 'script',
  MinorGC: 'script',
  UpdateLayoutTree: 'style',
  RecalculateStyles: 'style',
  Layout: 'layout',
  PrePaint: 'paint',
  Paint: 'paint',
  Layerize: 'paint',
  Commit: 'paint',
  UpdateLayer: 'paint',
};

/** Records the timeline while `action` runs. */
export async function traceDuring<T>(cdp: CDPSession, action: () => Promise<T>): Promise<{ result: T; trace: TraceEvent[] }> {
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute', transferMode: 'ReportEvents' });
  const events: TraceEvent[] = [];
  const collect = (data: { value: object[] }) => {
    events.push(...(data.value as TraceEvent[]));
  };
  cdp.on('Tracing.dataCollected', collect);
  const result = await action();
  const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.end');
  await done;
  cdp.off('Tracing.dataCollected', collect);
  return { result, trace: events };
}

/** Self time in ms by kind on the renderer's main thread. */
export function summariseTrace(events: TraceEvent[]): TraceSummary {
  const summary: TraceSummary = { script: 0, style: 0, layout: 0, paint: 0, 'other main-thread work': 0 };
  const threadName = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
  const main = [...threadName].filter(([, name]) => name === 'CrRendererMain').map(([key]) => key);
  const complete = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number');
  for (const thread of main) {
    // Nesting on one thread: sorted by start (longer first on ties), a stack of open events.
    const own = complete.filter((e) => `${e.pid}:${e.tid}` === thread).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const stack: Array<{ event: TraceEvent; self: number; kind: keyof TraceSummary | null }> = [];
    const close = (entry: (typeof stack)[number]) => {
      const kind = entry.kind ?? (stack.length === 0 ? 'other main-thread work' : null);
      if (kind) summary[kind] += entry.self / 1000;
      else if (stack.length) stack[stack.length - 1].self += entry.self; // an unclassified child's time is its parent's
    };
    for (const event of own) {
      while (stack.length && stack[stack.length - 1].event.ts + stack[stack.length - 1].event.dur! <= event.ts) close(stack.pop()!);
      if (stack.length) stack[stack.length - 1].self -= event.dur!;
      stack.push({ event, self: event.dur!, kind: KINDS[event.name] ?? null });
    }
    while (stack.length) close(stack.pop()!);
  }
  return summary;
}
