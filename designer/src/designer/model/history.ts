/**
 * Undo and redo over immutable journey documents. Consecutive edits of the same field (typing)
 * coalesce into one step; dragging records one step per gesture (checkpoint, then transient moves).
 */
import type { JourneyDoc } from '../../../../engine/http/contract/journey-document.js';

export interface History {
  past: JourneyDoc[];
  present: JourneyDoc;
  future: JourneyDoc[];
  group: string | null;
  groupAt: number;
}

export type HistoryAction =
  | { type: 'reset'; doc: JourneyDoc }
  | { type: 'apply'; update: (doc: JourneyDoc) => JourneyDoc; group?: string; at?: number }
  | { type: 'transient'; update: (doc: JourneyDoc) => JourneyDoc }
  | { type: 'checkpoint' }
  | { type: 'undo' }
  | { type: 'redo' };

const LIMIT = 200;
const COALESCE_MS = 1200;

export function initialHistory(doc: JourneyDoc): History {
  return { past: [], present: doc, future: [], group: null, groupAt: 0 };
}

export function historyReducer(state: History, action: HistoryAction): History {
  switch (action.type) {
    case 'reset':
      return initialHistory(action.doc);
    case 'apply': {
      const doc = action.update(state.present);
      if (doc === state.present) return state;
      const at = action.at ?? Date.now();
      if (action.group && action.group === state.group && at - state.groupAt < COALESCE_MS) {
        return { ...state, present: doc, future: [], groupAt: at };
      }
      return { past: [...state.past, state.present].slice(-LIMIT), present: doc, future: [], group: action.group ?? null, groupAt: at };
    }
    case 'transient': {
      const doc = action.update(state.present);
      return doc === state.present ? state : { ...state, present: doc };
    }
    case 'checkpoint':
      return { past: [...state.past, state.present].slice(-LIMIT), present: state.present, future: [], group: null, groupAt: 0 };
    case 'undo': {
      if (!state.past.length) return state;
      // A checkpoint that nothing followed is not a step of its own.
      let past = state.past;
      let previous = past[past.length - 1];
      while (previous === state.present && past.length > 1) {
        past = past.slice(0, -1);
        previous = past[past.length - 1];
      }
      if (previous === state.present) return { ...state, past: [] };
      return { past: past.slice(0, -1), present: previous, future: [state.present, ...state.future], group: null, groupAt: 0 };
    }
    case 'redo': {
      if (!state.future.length) return state;
      const [next, ...future] = state.future;
      return { past: [...state.past, state.present], present: next, future, group: null, groupAt: 0 };
    }
  }
}

export const canUndo = (h: History) => h.past.some((d) => d !== h.present);
export const canRedo = (h: History) => h.future.length > 0;
